// Orders: every list filter, sortable columns, cursor paging, CSV export.
import { get, request } from './api.js';
import { dateTime, errorBox, field, h, loading, select, table } from './dom.js';
import { go } from './app.js';

export const STATUSES = ['pending', 'confirmed', 'processing', 'shipped', 'delivered', 'completed', 'cancelled', 'refunded'];
export const PAYMENT_STATUSES = ['pending', 'paid', 'failed', 'refunded'];
export const PRIORITIES = ['low', 'normal', 'high', 'urgent'];
const TEXT_FILTERS = [
  ['order_number', 'Order number', 'text'],
  ['user_id', 'Customer id', 'number'],
  ['customer_name', 'Customer name', 'text'],
  ['customer_phone', 'Customer phone', 'tel'],
  ['start_date', 'Created from', 'date'],
  ['end_date', 'Created to', 'date'],
  ['min_amount', 'Total at least', 'text'],
  ['max_amount', 'Total at most', 'text'],
];
// The filters the API takes, in the order they go into a query.
export const FILTERS = ['status', 'payment_status', 'priority', ...TEXT_FILTERS.map((f) => f[0])];

// The list's query (filters and sort, no paging) from the page's parameters.
export function filterQuery(params) {
  const query = {};
  for (const name of [...FILTERS, 'sort']) {
    const value = params.get(name);
    if (value) query[name] = value;
  }
  return query;
}

function checkGroup(legend, name, values, chosen) {
  const picked = new Set((chosen || '').split(',').filter(Boolean));
  return h('fieldset', { class: 'filters' }, h('legend', {}, legend),
    h('div', { class: 'checks' }, values.map((v) =>
      h('label', { class: 'check' }, h('input', { type: 'checkbox', name, value: v, checked: picked.has(v) }), v))));
}

function filterForm(params) {
  const inputs = TEXT_FILTERS.map(([name, label, type]) =>
    field(label, h('input', { type, name, value: params.get(name) || '', ...(type === 'number' ? { min: 1 } : {}),
      ...(name.endsWith('_amount') ? { inputmode: 'decimal', placeholder: '0.00' } : {}) })));
  const size = select('page_size', [['10', '10'], ['20', '20'], ['50', '50'], ['100', '100']], params.get('page_size') || '20');
  const form = h('form', { 'aria-label': 'Filters' },
    h('div', { class: 'grid2' },
      checkGroup('Status', 'status', STATUSES, params.get('status')),
      h('div', {}, checkGroup('Payment', 'payment_status', PAYMENT_STATUSES, params.get('payment_status')),
        checkGroup('Priority', 'priority', PRIORITIES, params.get('priority')))),
    h('div', { class: 'form' }, inputs, field('Per page', size),
      h('button', { type: 'submit' }, 'Apply filters'),
      h('button', { type: 'button', class: 'secondary', onclick: () => go('/orders') }, 'Clear')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const next = new URLSearchParams();
    for (const name of ['status', 'payment_status', 'priority']) {
      const all = data.getAll(name);
      if (all.length) next.set(name, all.join(','));
    }
    for (const [name] of TEXT_FILTERS) {
      const value = String(data.get(name) || '').trim();
      if (value) next.set(name, value);
    }
    if (params.get('sort')) next.set('sort', params.get('sort'));
    next.set('page_size', size.value);
    go('/orders', next);
  });
  return form;
}

// Sorting: created_at and total_amount, each way.
function sortHeader(params) {
  const sort = params.get('sort') || '-created_at';
  return (column) => {
    if (!column.sortKey) return h('th', { scope: 'col', class: column.num ? 'num' : null }, column.label);
    const asc = sort === column.sortKey, desc = sort === `-${column.sortKey}`;
    const next = new URLSearchParams(params);
    next.delete('cursor');
    next.delete('prev');
    next.set('sort', desc ? column.sortKey : `-${column.sortKey}`);
    return h('th', { scope: 'col', class: column.num ? 'num' : null,
      'aria-sort': asc ? 'ascending' : desc ? 'descending' : 'none' },
    h('button', { type: 'button', class: 'sort', onclick: () => go('/orders', next) },
      column.label, asc ? ' ▲' : desc ? ' ▼' : ''));
  };
}

const COLUMNS = [
  { key: 'order_number', label: 'Order', render: (o) => h('a', { href: `#/orders/${o.id}` }, o.order_number) },
  { key: 'created_at', label: 'Created', sortKey: 'created_at', render: (o) => dateTime(o.created_at) },
  { key: 'customer_name', label: 'Customer' },
  { key: 'status', label: 'Status' },
  { key: 'payment_status', label: 'Payment' },
  { key: 'priority', label: 'Priority' },
  { key: 'item_count', label: 'Items', num: true },
  { key: 'total_amount', label: 'Total', num: true, sortKey: 'total_amount' },
];

export async function renderOrders(main, params) {
  const exportButton = h('button', { type: 'button', class: 'secondary' }, 'Export CSV');
  const exportStatus = h('span', { 'aria-live': 'polite' });
  exportButton.addEventListener('click', () => exportCsv(params, exportButton, exportStatus));
  const body = h('div', { 'aria-live': 'polite' }, loading());
  main.append(h('h1', {}, 'Orders'), filterForm(params),
    h('div', { class: 'pager' }, exportButton, exportStatus), body);

  // Page 1 is offset paging (it answers the total and the first cursor);
  // later pages follow next_cursor, with the total counted too.
  const cursor = params.get('cursor');
  const query = { ...filterQuery(params), page_size: params.get('page_size') || 20 };
  if (cursor) Object.assign(query, { cursor, include_total: 'true' });
  else query.page = 1;
  let list;
  try {
    list = await get('/orders', query);
  } catch (err) {
    body.replaceChildren(errorBox(err));
    return;
  }
  body.replaceChildren(
    h('p', { role: 'status', 'data-total': list.total ?? '', 'data-hash': location.hash },
      list.total === undefined ? `${list.data.length} shown` : `${list.total} orders match`),
    list.data.length ? table('Orders', COLUMNS, list.data, sortHeader(params))
      : h('p', { class: 'empty' }, 'No orders match these filters.'),
    pager(params, list));
}

// Cursor paging: "prev" keeps the cursors of earlier pages (comma-separated).
function pager(params, list) {
  const prev = (params.get('prev') || '').split(',').filter((c) => c !== '');
  const cursor = params.get('cursor');
  const nav = h('nav', { class: 'pager', 'aria-label': 'Pages' });
  if (cursor) {
    const back = new URLSearchParams(params);
    const earlier = prev.slice(0, -1);
    const target = prev[prev.length - 1];
    if (target && target !== '-') back.set('cursor', target); else back.delete('cursor');
    if (earlier.length) back.set('prev', earlier.join(',')); else back.delete('prev');
    nav.append(h('button', { type: 'button', class: 'secondary', onclick: () => go('/orders', back) }, '← Previous'));
  }
  nav.append(h('span', {}, `Page ${prev.length + 1}`));
  if (list.next_cursor) {
    const next = new URLSearchParams(params);
    next.set('cursor', list.next_cursor);
    next.set('prev', [...prev, cursor || '-'].join(','));
    nav.append(h('button', { type: 'button', class: 'secondary', onclick: () => go('/orders', next) }, 'Next →'));
  }
  return nav;
}

// The export needs the Authorization header, so it is fetched and offered as
// a download of the blob.
async function exportCsv(params, button, status) {
  button.disabled = true;
  status.replaceChildren(h('span', { class: 'loading' }, 'Preparing the CSV…'));
  try {
    const { response } = await request('GET', '/orders/export', { query: filterQuery(params), raw: true });
    const blob = await response.blob();
    const disposition = response.headers.get('Content-Disposition') || '';
    const name = (/filename="([^"]+)"/.exec(disposition) || [])[1] || 'orders.csv';
    const url = URL.createObjectURL(blob);
    const link = h('a', { href: url, download: name, class: 'visually-hidden' }, name);
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    status.replaceChildren(h('span', { class: 'notice-inline' }, `Downloaded ${name}`));
  } catch (err) {
    status.replaceChildren(errorBox(err));
  } finally {
    button.disabled = false;
  }
}
