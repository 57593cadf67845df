// One order: items, totals, customer, address, history; status and payment
// changes (only the allowed transitions) and cancel, each sent with If-Match.
import { get, request } from './api.js';
import { clear, dateTime, errorBox, field, h, loading, select, table } from './dom.js';
import { go } from './app.js';

export const CHANGED_ELSEWHERE = 'This order was changed by someone else: reload to see the current version.';
const PAYMENT_METHODS = ['card', 'cash', 'bank_transfer', 'wallet', 'cash_on_delivery', 'other'];

let statusOptions = null;
async function options() {
  if (!statusOptions) statusOptions = await get('/orders/status-options');
  return statusOptions;
}

function kv(pairs) {
  return h('dl', { class: 'kv' }, pairs.filter(([, v]) => v !== undefined).map(([k, v]) =>
    [h('dt', {}, k), h('dd', {}, v === null || v === '' ? '—' : v)]));
}

function address(a) {
  if (!a) return h('p', { class: 'empty' }, 'No shipping address.');
  return h('address', {}, [a.full_name, a.line1, a.line2, [a.postal_code, a.city].join(' '), a.state, a.country]
    .filter(Boolean).map((line) => [line, h('br')]));
}

function timeline(history) {
  if (!history.length) return h('p', { class: 'empty' }, 'No history.');
  return h('ol', { class: 'timeline', 'aria-label': 'History' }, history.map((e) =>
    h('li', { 'data-kind': e.kind },
      h('strong', {}, e.kind === 'payment' ? 'Payment ' : 'Status ',
        e.from_status ? `${e.from_status} → ${e.to_status}` : e.to_status),
      e.note ? [' — ', e.note] : null, h('br'),
      h('time', { datetime: e.created_at }, dateTime(e.created_at)),
      e.changed_by ? h('span', { class: 'who' }, ` by user ${e.changed_by}`) : null)));
}

export async function renderOrder(main, params, path) {
  const id = path.split('/')[2];
  main.append(h('p', {}, h('a', { href: '#/orders' }, '← Orders')));
  const holder = h('div', {}, loading());
  main.append(holder);
  let order, etag, history, opts;
  try {
    const [{ data, response }, hist, o] = await Promise.all([
      request('GET', `/orders/${id}`), get(`/orders/${id}/history`), options()]);
    order = data;
    etag = response.headers.get('ETag');
    history = hist.data;
    opts = o;
  } catch (err) {
    holder.replaceChildren(errorBox(err));
    return;
  }
  const state = { order, etag, history, opts, id };
  draw(holder, state);
}

function draw(holder, state) {
  const { order, history } = state;
  const message = h('div', { id: 'order-message', 'aria-live': 'polite' });
  clear(holder).append(
    h('h1', {}, `Order ${order.order_number}`),
    h('p', {}, h('span', { class: 'badge', 'data-order-status': order.status }, order.status), ' ',
      h('span', { class: 'badge', 'data-payment-status': order.payment_status }, `payment ${order.payment_status}`), ' ',
      h('span', { class: 'badge' }, `priority ${order.priority}`)),
    message,
    h('div', { class: 'grid2' },
      h('section', { 'aria-labelledby': 'h-summary' }, h('h2', { id: 'h-summary' }, 'Summary'), kv([
        ['Created', dateTime(order.created_at)], ['Updated', dateTime(order.updated_at)],
        ['Placed by', order.placed_by], ['Payment method', order.payment_method],
        ['Transaction', order.transaction_ref], ['Notes', order.notes], ['Version', order.version]])),
      h('section', { 'aria-labelledby': 'h-customer' }, h('h2', { id: 'h-customer' }, 'Customer'), kv([
        ['Name', order.customer_name], ['Email', order.customer_email], ['Phone', order.customer_phone],
        ['Customer id', order.user_id === null ? null : h('a', { href: `#/orders?user_id=${order.user_id}` }, String(order.user_id))]]),
      h('h3', {}, 'Shipping address'), address(order.shipping_address))),
    h('h2', {}, 'Items'),
    table('Items', [
      { key: 'sku', label: 'SKU' }, { key: 'product_name', label: 'Product' },
      { key: 'unit_price', label: 'Unit price', num: true }, { key: 'quantity', label: 'Qty', num: true },
      { key: 'subtotal', label: 'Subtotal', num: true }, { key: 'tax_amount', label: 'Tax', num: true },
      { key: 'total_amount', label: 'Total', num: true }], order.items),
    h('h2', {}, 'Totals'),
    kv([['Subtotal', order.subtotal], ['Tax', order.tax_amount], ['Shipping', order.shipping_amount],
      ['Discount', order.discount_amount], ['Total', h('strong', { 'data-total': '' }, `${order.total_amount} ${order.currency || ''}`.trim())]]),
    h('h2', {}, 'Actions'), actions(holder, state, message),
    h('h2', {}, 'History'), timeline(history));
}

function actions(holder, state, message) {
  const { order, opts } = state;
  const forms = [];
  const next = (opts.transitions[order.status] || []).filter((s) => s !== 'cancelled');
  if (next.length) {
    const status = select('status', next.map((s) => [s, s]), next[0]);
    const note = h('input', { type: 'text', name: 'note', maxlength: 500 });
    forms.push(actionForm('Change status', [field('New status', status), field('Note (optional)', note)], 'Change status',
      () => send(holder, state, message, 'PUT', 'status', { status: status.value, note: note.value || null })));
  }
  const pay = opts.payment_transitions[order.payment_status] || [];
  if (pay.length) {
    const ps = select('payment_status', pay.map((s) => [s, s]), pay[0]);
    const method = select('payment_method', [['', '(keep)'], ...PAYMENT_METHODS.map((m) => [m, m])], '');
    const ref = h('input', { type: 'text', name: 'transaction_ref', maxlength: 128 });
    forms.push(actionForm('Payment', [field('New payment status', ps), field('Method', method), field('Transaction reference', ref)],
      'Record payment', () => send(holder, state, message, 'PATCH', 'payment',
        { payment_status: ps.value, payment_method: method.value || null, transaction_ref: ref.value || null })));
  }
  if ((opts.transitions[order.status] || []).includes('cancelled')) {
    const reason = h('textarea', { name: 'reason', rows: 2, maxlength: 500, required: true });
    forms.push(actionForm('Cancel', [field('Reason', reason)], 'Cancel order',
      () => send(holder, state, message, 'POST', 'cancel', { reason: reason.value }), 'danger'));
  }
  if (!forms.length) return h('p', { class: 'empty' }, `No changes are possible from ${order.status}.`);
  return h('div', { class: 'grid2' }, forms);
}

function actionForm(title, controls, buttonText, onSubmit, buttonClass) {
  const button = h('button', { type: 'submit', class: buttonClass }, buttonText);
  const form = h('form', { class: 'form stacked filters', 'aria-label': title }, h('strong', {}, title), controls, button);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    button.disabled = true;
    try {
      await onSubmit();
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

async function send(holder, state, message, method, what, body) {
  message.replaceChildren(loading('Saving…'));
  try {
    const headers = state.etag ? { 'If-Match': state.etag } : {};
    const { data, response } = await request(method, `/orders/${state.id}/${what}`, { body, headers });
    state.order = data;
    state.etag = response.headers.get('ETag') || state.etag;
    state.history = (await get(`/orders/${state.id}/history`)).data;
    draw(holder, state);
    holder.querySelector('#order-message').replaceChildren(
      h('p', { class: 'notice', role: 'status' }, `Saved: the order is ${data.status}, payment ${data.payment_status}.`));
  } catch (err) {
    if (err.status === 412) {
      message.replaceChildren(h('div', { class: 'error', role: 'alert' }, CHANGED_ELSEWHERE, ' ',
        h('button', { type: 'button', class: 'secondary', onclick: () => go(`/orders/${state.id}`) }, 'Reload')));
    } else {
      message.replaceChildren(errorBox(err));
    }
  }
}
