// Dashboard: figures for a range of days, revenue per period, top products.
import { get } from './api.js';
import { errorBox, field, h, loading, select, table } from './dom.js';
import { go } from './app.js';
import { revenueChart } from './chart.js';

function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

// The default range: the last 30 UTC days, today included.
export function defaultRange(now = new Date()) {
  const start = new Date(now.getTime() - 29 * 86400000);
  return { start: isoDay(start), end: isoDay(now) };
}

function card(label, key, value) {
  return h('div', { class: 'card' }, h('dt', {}, label), h('dd', { 'data-stat': key }, value));
}

export async function renderDashboard(main, params) {
  const range = defaultRange();
  const start = params.get('start_date') || range.start;
  const end = params.get('end_date') || range.end;
  const groupBy = params.get('group_by') || 'day';
  const startInput = h('input', { type: 'date', name: 'start_date', value: start, required: true });
  const endInput = h('input', { type: 'date', name: 'end_date', value: end, required: true });
  const group = select('group_by', [['day', 'Day'], ['week', 'Week'], ['month', 'Month']], groupBy);
  const form = h('form', { class: 'form', 'aria-label': 'Date range' },
    field('From', startInput), field('To', endInput), field('Revenue per', group),
    h('button', { type: 'submit' }, 'Show'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    go('/dashboard', new URLSearchParams({ start_date: startInput.value, end_date: endInput.value, group_by: group.value }));
  });
  const body = h('div', { 'aria-live': 'polite' }, loading());
  main.append(h('h1', {}, 'Dashboard'), form, body);

  const range2 = { start_date: start, end_date: end };
  let stats, sales, top;
  try {
    [stats, sales, top] = await Promise.all([
      get('/orders/stats', range2),
      get('/reports/sales', { ...range2, group_by: groupBy }),
      get('/reports/top-products', { ...range2, limit: 10 }),
    ]);
  } catch (err) {
    body.replaceChildren(errorBox(err));
    return;
  }
  body.replaceChildren(
    h('dl', { class: 'cards' },
      card('Orders', 'orders', stats.order_count),
      card('Revenue', 'revenue', stats.revenue),
      card('Average order value', 'aov', stats.average_order_value)),
    h('p', { class: 'empty' }, 'Revenue and average leave out cancelled and refunded orders.'),
    h('h2', {}, 'Orders by status'), statusList(stats.orders_by_status),
    h('h2', {}, `Revenue per ${groupBy}`), salesView(sales, groupBy),
    h('h2', {}, 'Top products'), topView(top));
}

function statusList(byStatus) {
  const entries = Object.entries(byStatus || {});
  if (!entries.length) return h('p', { class: 'empty' }, 'No orders in this range.');
  return h('ul', { class: 'status-list' }, entries.map(([status, count]) =>
    h('li', { class: 'badge', 'data-status': status }, h('a', { href: `#/orders?status=${status}` }, status), `: ${count}`)));
}

function salesView(sales, groupBy) {
  if (!sales.data.length) return h('p', { class: 'empty' }, 'No periods in this range.');
  const details = h('details', {}, h('summary', {}, 'The figures as a table'),
    table(`Revenue per ${groupBy}`, [
      { key: 'period_start', label: 'Period from' },
      { key: 'orders', label: 'Orders', num: true },
      { key: 'revenue', label: 'Revenue', num: true },
      { key: 'average_order_value', label: 'Average', num: true },
      { key: 'items_sold', label: 'Items sold', num: true },
    ], sales.data));
  return h('div', {}, h('div', { class: 'chart-wrap', role: 'region', 'aria-label': 'Revenue chart', tabindex: 0 },
    revenueChart(sales.data, `Revenue per ${groupBy} from ${sales.start_date} to ${sales.end_date}`, groupBy)), details);
}

function topView(top) {
  if (!top.data.length) return h('p', { class: 'empty' }, 'Nothing sold in this range.');
  return table('Top products by revenue', [
    { key: 'sku', label: 'SKU' },
    { key: 'name', label: 'Product' },
    { key: 'quantity', label: 'Units', num: true },
    { key: 'revenue', label: 'Revenue', num: true },
  ], top.data);
}
