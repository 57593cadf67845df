// Stock: ledger consistency, low stock, products, adjustments.
import { get, request } from './api.js';
import { append, clear, errorBox, field, h, loading, table } from './dom.js';
import { go } from './app.js';

export async function renderStock(main, params) {
  const threshold = params.get('low_stock_threshold') || '5';
  const q = params.get('q') || '';
  const thresholdInput = h('input', { type: 'number', name: 'low_stock_threshold', min: 0, max: 1000000, value: threshold });
  const qInput = h('input', { type: 'search', name: 'q', value: q });
  const form = h('form', { class: 'form', 'aria-label': 'Stock report' },
    field('Low at or below', thresholdInput), field('Find products (name or SKU)', qInput),
    h('button', { type: 'submit' }, 'Show'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams({ low_stock_threshold: thresholdInput.value });
    if (qInput.value.trim()) next.set('q', qInput.value.trim());
    go('/stock', next);
  });
  const adjust = adjustForm();
  const body = h('div', { 'aria-live': 'polite' }, loading());
  main.append(h('h1', {}, 'Stock'), form, adjust.form, body);

  let health, products;
  try {
    [health, products] = await Promise.all([
      get('/admin/stock/health', { low_stock_threshold: threshold }),
      get('/products', { q: q || undefined, page_size: 50 }),
    ]);
  } catch (err) {
    body.replaceChildren(errorBox(err));
    return;
  }
  clear(body);
  append(body, [
    h('h2', {}, 'Ledger'),
    h('p', { 'data-consistent': String(health.consistent) },
      health.consistent ? h('span', { class: 'ok' }, 'Consistent: ') : h('span', { class: 'bad' }, 'Mismatch: '),
      `${health.products_checked} products checked; every stock ${health.consistent ? 'equals' : 'does not equal'} the sum of its ledger.`),
    health.ledger_mismatches.length ? table('Ledger mismatches', [
      { key: 'sku', label: 'SKU' }, { key: 'name', label: 'Product' },
      { key: 'stock', label: 'Stock', num: true }, { key: 'ledger_sum', label: 'Ledger sum', num: true }],
    health.ledger_mismatches) : null,
    h('h2', {}, `Low stock (at or below ${health.low_stock_threshold})`),
    health.low_stock.length ? table('Low stock', [
      { key: 'product_id', label: 'Id', num: true }, { key: 'sku', label: 'SKU' }, { key: 'name', label: 'Product' },
      { key: 'stock', label: 'Stock', num: true }], health.low_stock)
      : h('p', { class: 'empty' }, 'No active product is low.'),
    h('h2', {}, 'Products'),
    products.data.length ? table('Products', [
      { key: 'id', label: 'Id', num: true }, { key: 'sku', label: 'SKU' }, { key: 'name', label: 'Product' },
      { key: 'price', label: 'Price', num: true }, { key: 'stock', label: 'Stock', num: true },
      { key: 'active', label: 'Active', render: (p) => (p.active ? 'yes' : 'no') },
      { key: 'adjust', label: 'Adjust', render: (p) => h('button', { type: 'button', class: 'secondary',
        'aria-label': `Adjust stock of ${p.sku}`, onclick: () => adjust.pick(p) }, 'Adjust') }],
    products.data) : h('p', { class: 'empty' }, 'No products found.')]);
}

function adjustForm() {
  const productId = h('input', { type: 'number', name: 'product_id', min: 1, required: true });
  const delta = h('input', { type: 'number', name: 'delta', required: true, step: 1 });
  const reason = h('input', { type: 'text', name: 'reason', maxlength: 255, required: true });
  const button = h('button', { type: 'submit' }, 'Adjust stock');
  const message = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'form filters', id: 'adjust', 'aria-label': 'Adjust stock' },
    h('strong', {}, 'Adjust stock'),
    field('Product id', productId), field('Change (+/−)', delta), field('Reason', reason), button, message);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    button.disabled = true;
    message.replaceChildren(loading('Saving…'));
    try {
      const { data } = await request('POST', `/products/${encodeURIComponent(productId.value)}/stock-adjustments`,
        { body: { delta: Number(delta.value), reason: reason.value } });
      message.replaceChildren(h('p', { class: 'notice', role: 'status', 'data-stock': data.stock },
        `Stock of ${data.sku} is now ${data.stock}.`));
    } catch (err) {
      message.replaceChildren(errorBox(err));
    } finally {
      button.disabled = false;
    }
  });
  return {
    form,
    pick(product) {
      productId.value = product.id;
      delta.focus();
    },
  };
}
