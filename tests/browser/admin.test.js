// Browser tests of the admin pages (web/admin/) against a running stack:
// Playwright driving Debian's chromium headless, axe-core on every page,
// screenshots of each page at desktop width and at 375 px under
// $ORDERAPI_STATE_DIR/screenshots.  Test data is made through the API.
// Nothing here waits a fixed time: every wait is for an element or a state.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium } from 'playwright-core';
import {
  ENV, STATE_DIR, URL_BASE, adminToken, api, daysAgo, newCustomer, newProduct, ok, stockOf, today,
} from './helpers.js';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const SHOTS = path.join(STATE_DIR, 'screenshots');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const WAIT = 20000;   // the longest any element may take to appear (a loaded machine)
const DESKTOP = { width: 1280, height: 900 };

let browser, context, page;
let admin, customer, product;
const orders = [];
const cspReports = [];

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  admin = await adminToken();
  customer = await newCustomer();
  product = await newProduct(admin, 40);
  for (const quantity of [1, 2, 3]) {
    orders.push(await ok('POST', '/orders', { token: customer.token,
      body: { items: [{ product_id: product.id, quantity }], customer_name: customer.fullName,
        customer_email: customer.email,
        shipping_address: { full_name: customer.fullName, line1: '1 Test Street', city: 'Springfield',
          postal_code: '12345', country: 'US' } } }));
  }
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  context = await browser.newContext({ viewport: DESKTOP, acceptDownloads: true });
  context.setDefaultTimeout(WAIT);
  page = await context.newPage();
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) cspReports.push(message.text());
  });
  page.on('pageerror', (err) => cspReports.push(`page error: ${err.message}`));
});

after(async () => {
  await browser?.close();
});

function open(hash) {
  return page.goto(`${URL_BASE}/admin/${hash}`);
}

async function heading(text) {
  await page.getByRole('heading', { level: 1, name: text }).waitFor();
}

// axe-core on the page as it stands: no serious or critical violation.  It
// is evaluated through the DevTools protocol, which the page's CSP does
// not govern (an injected <script> would be refused, as it should be).
async function checkA11y(name) {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    (await axe.run(document, { resultTypes: ['violations'] })).violations
      .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 3) })));
  const bad = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `${name}: axe found ${JSON.stringify(bad, null, 1)}`);
}

// Screenshots at desktop width and at 375 px; at 375 px nothing may be
// wider than the screen but the tables, which scroll in their own box.
async function screenshots(name) {
  const text = await page.locator('main').innerText();
  assert.doesNotMatch(text, /\bnull\b|\bundefined\b|\bNaN\b|\[object /, `${name} shows a value that is not one`);
  await page.screenshot({ path: path.join(SHOTS, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize({ width: 375, height: 740 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  await page.screenshot({ path: path.join(SHOTS, `${name}-375.png`), fullPage: true });
  await checkA11y(`${name} at 375 px`);
  await page.setViewportSize(DESKTOP);
  assert.ok(overflow <= 375, `${name}: the page is ${overflow} px wide at 375 px`);
}

async function signIn(email, password) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('the pages come with the web server\'s security headers', async () => {
  const response = await open('');
  const headers = response.headers();
  assert.equal(response.status(), 200);
  assert.match(headers['content-security-policy'], /default-src 'none'/);
  assert.match(headers['content-security-policy'], /script-src 'self'/);
  assert.match(headers['content-security-policy'], /frame-ancestors 'none'/);
  assert.equal(headers['x-content-type-options'], 'nosniff');
  assert.equal(headers['referrer-policy'], 'no-referrer');
  await heading('Sign in');
  assert.equal(await page.getByRole('navigation', { name: 'Main' }).isVisible(), false, 'the nav shows before sign-in');
  await checkA11y('sign-in');
  await screenshots('sign-in');
});

test('a customer is refused with a clear message, and keeps no token', async () => {
  await open('#/login');
  await signIn(customer.email, customer.password);
  await page.getByRole('alert').filter({ hasText: 'not an administrator' }).waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
});

test('a wrong password shows the problem\'s detail', async () => {
  await signIn(customer.email, 'not the password at all');
  const alert = page.getByRole('alert');
  await alert.waitFor();
  const wrong = await api('POST', '/auth/login', { body: { email: customer.email, password: 'not the password at all' } });
  assert.equal(await alert.textContent(), wrong.body.detail);
});

test('an admin signs in and sees the dashboard', async () => {
  await signIn(ENV.ORDERAPI_ADMIN_EMAIL, ENV.ORDERAPI_ADMIN_PASSWORD);
  await heading('Dashboard');
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
  assert.ok(await page.evaluate(() => sessionStorage.getItem('orderapi.admin.token')));
  assert.equal(await page.evaluate(() => localStorage.length), 0);
});

test('the dashboard\'s numbers are the API\'s for the same range', async () => {
  const start = daysAgo(400), end = today();
  await open(`#/dashboard?start_date=${start}&end_date=${end}&group_by=month`);
  await page.locator('[data-stat=orders]').waitFor();
  const stats = await ok('GET', `/orders/stats?start_date=${start}&end_date=${end}`, { token: admin });
  assert.equal(await page.locator('[data-stat=orders]').textContent(), String(stats.order_count));
  assert.equal(await page.locator('[data-stat=revenue]').textContent(), stats.revenue);
  assert.equal(await page.locator('[data-stat=aov]').textContent(), stats.average_order_value);
  for (const [status, count] of Object.entries(stats.orders_by_status)) {
    assert.equal(await page.locator(`[data-status=${status}]`).textContent(), `${status}: ${count}`);
  }
  assert.ok(await page.locator('svg.chart rect.bar').count() >= 1, 'no bars in the chart');
  const top = await ok('GET', `/reports/top-products?start_date=${start}&end_date=${end}&limit=10`, { token: admin });
  const firstTop = page.getByRole('table', { name: 'Top products by revenue' }).locator('tbody tr').first();
  assert.equal(await firstTop.locator('td[data-col=revenue]').textContent(), top.data[0].revenue);
  await checkA11y('dashboard');
  await screenshots('dashboard');
});

// The rows of the list once the list of the current address is shown.
async function orderRows() {
  await page.waitForFunction(() => {
    const shown = document.querySelector('p[data-total]');
    return shown && shown.dataset.hash === location.hash;
  });
  return page.locator('tbody tr td[data-col=order_number]').allTextContents();
}

test('the orders list filters by customer and by status', async () => {
  await open('#/orders');
  await heading('Orders');
  await page.getByLabel('Customer id').fill(String(customer.user.id));
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.waitForURL(/user_id=/);
  let rows = await orderRows();
  assert.deepEqual(rows.sort(), orders.map((o) => o.order_number).sort());

  // One of them confirmed behind the page's back, then only pending ones.
  await ok('PUT', `/orders/${orders[2].id}/status`, { token: admin, body: { status: 'confirmed' } });
  await page.getByRole('group', { name: 'Status' }).getByRole('checkbox', { name: 'pending' }).check();
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.waitForURL(/status=pending/);
  rows = await orderRows();
  assert.deepEqual(rows.sort(), [orders[0].order_number, orders[1].order_number].sort());
  const listed = await ok('GET', `/orders?status=pending&user_id=${customer.user.id}&page=1`, { token: admin });
  assert.equal(listed.total, rows.length);

  // By the customer's name (a substring), sorted by total, largest first.
  await open(`#/orders?customer_name=${encodeURIComponent(customer.fullName.slice(6))}&sort=-total_amount`);
  rows = await orderRows();
  const byTotal = [...orders].sort((a, b) => Number(a.total_amount) - Number(b.total_amount)).map((o) => o.order_number);
  assert.deepEqual(rows, [...byTotal].reverse());
  await page.getByRole('button', { name: /^Total/ }).click();
  await page.waitForURL(/sort=total_amount/);
  rows = await orderRows();
  assert.deepEqual(rows, byTotal);
  await checkA11y('orders');
  await screenshots('orders');
});

test('paging follows the cursor and comes back', async () => {
  await open(`#/orders?user_id=${customer.user.id}&page_size=2`);
  const first = await orderRows();
  assert.equal(first.length, 2);
  await page.getByRole('button', { name: 'Next →' }).click();
  await page.waitForURL(/cursor=/);
  await page.getByText('Page 2').waitFor();
  const second = await orderRows();
  assert.equal(second.length, 1);
  await page.getByRole('button', { name: '← Previous' }).click();
  await page.getByText('Page 1').waitFor();
  assert.deepEqual(await orderRows(), first);
});

test('the export downloads a CSV of the filtered rows', async () => {
  await open(`#/orders?user_id=${customer.user.id}&status=pending`);
  await orderRows();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export CSV' }).click(),
  ]);
  assert.match(download.suggestedFilename(), /^orders-\d{8}\.csv$/);
  const csv = readFileSync(await download.path(), 'utf8').trim().split('\r\n');
  assert.match(csv[0], /^id,order_number,/);
  const numbers = csv.slice(1).map((line) => line.split(',')[1]).sort();
  assert.deepEqual(numbers, [orders[0].order_number, orders[1].order_number].sort());
});

async function openOrder(order) {
  await open(`#/orders/${order.id}`);
  await heading(`Order ${order.order_number}`);
}

function historyItems() {
  return page.getByRole('list', { name: 'History' }).locator('li');
}

test('an order is confirmed from its page and its history grows', async () => {
  await openOrder(orders[0]);
  assert.equal(await historyItems().count(), 1);
  const options = await page.getByLabel('New status').locator('option').allTextContents();
  const table = await ok('GET', '/orders/status-options');
  assert.deepEqual(options, table.transitions.pending.filter((s) => s !== 'cancelled'));
  await page.getByLabel('New status').selectOption('confirmed');
  await page.getByLabel('Note (optional)').fill('checked by phone');
  await page.getByRole('button', { name: 'Change status' }).click();
  await page.locator('[data-order-status=confirmed]').waitFor();
  await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
  assert.equal(await historyItems().count(), 2);
  assert.match(await historyItems().last().textContent(), /pending → confirmed — checked by phone/);
  assert.equal((await ok('GET', `/orders/${orders[0].id}`, { token: admin })).status, 'confirmed');
  await checkA11y('order');
  await screenshots('order');
});

test('a change made elsewhere meanwhile gives the 412 message', async () => {
  await openOrder(orders[0]);
  await ok('PATCH', `/orders/${orders[0].id}/payment`, { token: admin, body: { payment_status: 'paid' } });
  await page.getByLabel('New status').selectOption('processing');
  await page.getByRole('button', { name: 'Change status' }).click();
  await page.getByRole('alert').filter({ hasText: 'changed by someone else' }).waitFor();
  assert.equal((await ok('GET', `/orders/${orders[0].id}`, { token: admin })).status, 'confirmed');
  await page.getByRole('button', { name: 'Reload' }).click();
  await page.locator('[data-payment-status=paid]').waitFor();
});

test('cancelling with a reason puts the stock back', async () => {
  const before = await stockOf(product.id);
  await openOrder(orders[1]);
  await page.getByLabel('Reason').fill('customer called');
  await page.getByRole('button', { name: 'Cancel order' }).click();
  await page.locator('[data-order-status=cancelled]').waitFor();
  assert.equal(await stockOf(product.id), before + orders[1].items[0].quantity);
  assert.match(await historyItems().last().textContent(), /cancelled — customer called/);
  assert.equal(await page.getByRole('button', { name: 'Cancel order' }).count(), 0);
});

test('stock: ledger consistency, low stock, an adjustment', async () => {
  const low = await newProduct(admin, 2);
  await open('#/stock');
  await heading('Stock');
  await page.locator('[data-consistent]').waitFor();
  const health = await ok('GET', '/admin/stock/health?low_stock_threshold=5', { token: admin });
  assert.equal(await page.locator('[data-consistent]').getAttribute('data-consistent'), String(health.consistent));
  const lowTable = page.getByRole('table', { name: 'Low stock' });
  assert.ok((await lowTable.locator('td[data-col=sku]').allTextContents()).includes(low.sku));

  const before = await stockOf(product.id);
  await page.getByLabel('Product id').fill(String(product.id));
  await page.getByLabel('Change (+/−)').fill('5');
  await page.getByLabel('Reason', { exact: true }).fill('found in the back room');
  await page.getByRole('button', { name: 'Adjust stock', exact: true }).click();
  await page.locator(`[data-stock="${before + 5}"]`).waitFor();
  assert.equal(await stockOf(product.id), before + 5);

  // Too much taken away: the problem's detail is shown.
  await page.getByLabel('Change (+/−)').fill(String(-(before + 1000)));
  await page.getByRole('button', { name: 'Adjust stock', exact: true }).click();
  await page.getByRole('alert').waitFor();
  assert.equal(await stockOf(product.id), before + 5);
  await checkA11y('stock');
  await screenshots('stock');
});

test('sign-out revokes the token', async () => {
  await open('#/dashboard');
  await heading('Dashboard');
  const token = await page.evaluate(() => sessionStorage.getItem('orderapi.admin.token'));
  assert.equal((await api('GET', '/auth/me', { token })).status, 200);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await heading('Sign in');
  await page.getByText('You are signed out.').waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  assert.equal((await api('GET', '/auth/me', { token })).status, 401);
});

test('a token that stops working sends the page back to sign-in', async () => {
  await signIn(ENV.ORDERAPI_ADMIN_EMAIL, ENV.ORDERAPI_ADMIN_PASSWORD);
  await heading('Dashboard');
  const token = await page.evaluate(() => sessionStorage.getItem('orderapi.admin.token'));
  await ok('POST', '/auth/logout', { token });
  await open('#/stock');
  await heading('Sign in');
  await page.getByRole('alert').filter({ hasText: 'session has ended' }).waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
});

test('no page broke its Content-Security-Policy or threw', () => {
  assert.deepEqual(cspReports, []);
});
