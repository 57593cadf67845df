// Small DOM helpers: elements are built from text nodes, never from markup.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (name === 'class') {
      el.className = value;
    } else if (value === true) {
      el.setAttribute(name, '');
    } else {
      el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function errorBox(err) {
  return h('p', { class: 'error', role: 'alert' }, err && err.message ? err.message : String(err));
}

export function loading(text = 'Loading…') {
  return h('p', { class: 'loading', role: 'status' }, text);
}

export function field(label, control) {
  return h('label', {}, label, control);
}

export function select(name, options, value, attrs = {}) {
  return h('select', { name, ...attrs },
    options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)));
}

// A table: columns [{key, label, num, render}], rows, caption.
export function table(caption, columns, rows, headerCell) {
  // The box scrolls sideways on a narrow screen: it takes the focus, so the
  // keyboard can scroll it too.
  return h('div', { class: 'table-wrap', role: 'region', 'aria-label': caption, tabindex: 0 },
    h('table', {},
      h('caption', { class: 'visually-hidden' }, caption),
      h('thead', {}, h('tr', {}, columns.map((c) =>
        headerCell ? headerCell(c) : h('th', { scope: 'col', class: c.num ? 'num' : null }, c.label)))),
      h('tbody', {}, rows.map((row) => h('tr', {}, columns.map((c) =>
        h('td', { class: c.num ? 'num' : null, 'data-col': c.key },
          c.render ? c.render(row) : row[c.key] ?? '')))))));
}

export function dateTime(text) {
  return text ? text.replace('T', ' ').replace('Z', ' UTC') : '';
}
