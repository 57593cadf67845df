// Sign-in: admins only.  A customer's token is revoked at once and refused.
import { dropToken, request, setToken } from './api.js';
import { errorBox, field, h } from './dom.js';

export const NOT_ADMIN = 'This account is not an administrator. Only admins can use these pages.';

export function renderSignIn(main, onSignedIn) {
  const email = h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const button = h('button', { type: 'submit' }, 'Sign in');
  const message = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'form stacked', 'aria-labelledby': 'signin-title' },
    field('Email', email), field('Password', password), button, message);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.replaceChildren(h('p', { class: 'loading', role: 'status' }, 'Signing in…'));
    button.disabled = true;
    try {
      const { data } = await request('POST', '/auth/login', { body: { email: email.value, password: password.value } });
      setToken(data.access_token);
      const { data: me } = await request('GET', '/auth/me');
      if (me.role !== 'admin') {
        await request('POST', '/auth/logout').catch(() => {});
        dropToken();
        message.replaceChildren(h('p', { class: 'error', role: 'alert' }, NOT_ADMIN));
        return;
      }
      onSignedIn();
    } catch (err) {
      dropToken();
      message.replaceChildren(errorBox(err));
    } finally {
      button.disabled = false;
    }
  });
  main.append(h('h1', { id: 'signin-title' }, 'Sign in'),
    h('p', {}, 'For administrators of this orderapi.'), form);
  email.focus();
}
