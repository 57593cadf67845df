// The JSON API on the same origin. The token lives in sessionStorage only,
// goes out only as Authorization, and is dropped on sign-out and on any 401.
const BASE = '/api/v1';
const KEY = 'orderapi.admin.token';

export function token() {
  return sessionStorage.getItem(KEY);
}

export function setToken(value) {
  sessionStorage.setItem(KEY, value);
}

export function dropToken() {
  sessionStorage.removeItem(KEY);
}

// A failed call: the problem's detail is what the pages show.
export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && problem.detail) || `The server answered ${status}`);
    this.status = status;
    this.problem = problem || {};
    this.code = this.problem.code || '';
  }
}

let onUnauthorized = () => {};
export function whenUnauthorized(fn) {
  onUnauthorized = fn;
}

async function problemOf(response) {
  try {
    return await response.json();
  } catch {
    return null;
  }
}

// request(method, path, {query, body, headers, raw}) -> {data, response}
export async function request(method, path, options = {}) {
  const headers = new Headers(options.headers || {});
  const current = token();
  if (current) headers.set('Authorization', `Bearer ${current}`);
  let body;
  if (options.body !== undefined) {
    headers.set('Content-Type', 'application/json');
    body = JSON.stringify(options.body);
  }
  const url = BASE + path + queryString(options.query);
  let response;
  try {
    response = await fetch(url, { method, headers, body, credentials: 'omit', cache: 'no-store' });
  } catch (err) {
    throw new ApiError(0, { detail: `The server could not be reached (${err.message})` });
  }
  if (!response.ok) {
    const problem = await problemOf(response);
    if (response.status === 401 && current) {
      dropToken();
      onUnauthorized(problem);
    }
    throw new ApiError(response.status, problem);
  }
  if (options.raw) return { data: null, response };
  const data = response.status === 204 ? null : await response.json();
  return { data, response };
}

export async function get(path, query) {
  return (await request('GET', path, { query })).data;
}

// Only the members with a value, in order.
export function queryString(query) {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}
