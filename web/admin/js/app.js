// The admin pages: a hash router over a few views, all talking to the API.
import { dropToken, request, token, whenUnauthorized } from './api.js';
import { clear, errorBox, h } from './dom.js';
import { renderSignIn } from './signin.js';
import { renderDashboard } from './dashboard.js';
import { renderOrders } from './orders.js';
import { renderOrder } from './order.js';
import { renderStock } from './stock.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
let flash = null;   // a message for the next view (sign-out, expired session)

// '#/orders?status=pending' -> {path: '/orders', params: URLSearchParams}
export function currentRoute() {
  const hash = location.hash.replace(/^#/, '') || '/dashboard';
  const [path, query = ''] = hash.split('?');
  return { path, params: new URLSearchParams(query) };
}

export function go(path, params) {
  const query = params ? params.toString() : '';
  const next = `#${path}${query ? `?${query}` : ''}`;
  if (location.hash === next) route();
  else location.hash = next;
}

function markNav(path) {
  for (const a of nav.querySelectorAll('a')) {
    const target = a.getAttribute('href').slice(1);
    if (path === target || path.startsWith(`${target}/`)) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

function view(path) {
  if (path === '/dashboard') return ['Dashboard', renderDashboard];
  if (path === '/orders') return ['Orders', renderOrders];
  if (/^\/orders\/[1-9][0-9]*$/.test(path)) return ['Order', renderOrder];
  if (path === '/stock') return ['Stock', renderStock];
  return null;
}

async function route() {
  const { path, params } = currentRoute();
  clear(main);
  if (flash) {
    main.append(flash);
    flash = null;
  }
  if (!token() || path === '/login') {
    nav.hidden = true;
    document.title = 'Sign in · orderapi admin';
    renderSignIn(main, () => go('/dashboard'));
    return;
  }
  nav.hidden = false;
  markNav(path);
  const found = view(path);
  if (!found) {
    main.append(h('h1', {}, 'Not found'), h('p', {}, 'There is no such page. ', h('a', { href: '#/dashboard' }, 'Dashboard')));
    return;
  }
  document.title = `${found[0]} · orderapi admin`;
  try {
    await found[1](main, params, path);
  } catch (err) {
    main.append(errorBox(err));
  }
  main.focus({ preventScroll: true });
}

function showFlash(kind, text) {
  flash = h('p', { class: kind, role: kind === 'error' ? 'alert' : 'status' }, text);
}

async function signOut() {
  try {
    await request('POST', '/auth/logout');
  } catch {
    // The token is dropped whatever the server said.
  }
  dropToken();
  showFlash('notice', 'You are signed out.');
  go('/login');
}

whenUnauthorized((problem) => {
  showFlash('error', `Your session has ended; sign in again. (${(problem && problem.detail) || 'unauthorized'})`);
  go('/login');
});

document.getElementById('signout').addEventListener('click', signOut);
window.addEventListener('hashchange', route);
route();
