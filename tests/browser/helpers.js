// Helpers of the browser tests: the stack's settings, API calls, test data.
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// stack.env: KEY='value' lines written by ./stack.
export function readStackEnv(stateDir) {
  const settings = {};
  for (const line of readFileSync(path.join(stateDir, 'stack.env'), 'utf8').split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2];
    if (value.startsWith("'")) value = value.slice(1, -1).replaceAll("'\\''", "'");
    settings[m[1]] = value;
  }
  return settings;
}

export const STATE_DIR = path.resolve(process.env.ORDERAPI_STATE_DIR || path.join(REPO, 'var'));
export const ENV = readStackEnv(STATE_DIR);
export const URL_BASE = ENV.ORDERAPI_URL;
export const PASSWORD = 'correct horse battery staple';

// One API call; answers {status, headers, body} (body parsed when JSON).
export async function api(method, apiPath, { token, body, headers = {} } = {}) {
  const h = { ...headers };
  if (token) h.Authorization = `Bearer ${token}`;
  if (body !== undefined) h['Content-Type'] = 'application/json';
  const response = await fetch(`${URL_BASE}/api/v1${apiPath}`, {
    method, headers: h, body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15000),
  });
  const text = await response.text();
  let parsed = text;
  if ((response.headers.get('content-type') || '').includes('json') && text) parsed = JSON.parse(text);
  return { status: response.status, headers: response.headers, body: parsed };
}

export async function ok(method, apiPath, options, want = [200, 201, 204]) {
  const answer = await api(method, apiPath, options);
  if (!want.includes(answer.status)) {
    throw new Error(`${method} ${apiPath}: ${answer.status} ${JSON.stringify(answer.body)}`);
  }
  return answer.body;
}

export async function login(email, password) {
  return (await ok('POST', '/auth/login', { body: { email, password } })).access_token;
}

export async function adminToken() {
  return login(ENV.ORDERAPI_ADMIN_EMAIL || 'admin@example.com', ENV.ORDERAPI_ADMIN_PASSWORD);
}

// A fresh customer with a name no other run has used.
export async function newCustomer() {
  const word = randomUUID().slice(0, 8);
  const email = `browser-${randomUUID()}@example.com`;
  const fullName = `Browser Buyer ${word}`;
  const user = await ok('POST', '/auth/register', { body: { email, password: PASSWORD, full_name: fullName } });
  return { email, password: PASSWORD, fullName, user, token: await login(email, PASSWORD) };
}

export async function newProduct(admin, stock) {
  const word = randomUUID().replaceAll('-', '').slice(0, 16);
  return ok('POST', '/products', { token: admin, body: { sku: `WEB-${word}`, name: `Browser mug ${word}`, price: '12.50', stock } });
}

export async function stockOf(productId) {
  return (await ok('GET', `/products/${productId}`)).stock;
}

export function today() {
  return new Date().toISOString().slice(0, 10);
}

export function daysAgo(days) {
  return new Date(Date.now() - days * 86400000).toISOString().slice(0, 10);
}
