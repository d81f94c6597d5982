/** Sign-in with the SIP credentials (POST /api/v1/session sets an HttpOnly session cookie). */
import { ApiError, type Api, type Session } from '../api.js';
import { field, h, input } from './dom.js';

export function signInView(api: Api, onSignedIn: (session: Session) => void, message = ''): HTMLElement {
  const username = input('username', '', { type: 'text', autocomplete: 'username', required: true, autocapitalize: 'off', spellcheck: 'false' });
  const password = input('password', '', { type: 'password', autocomplete: 'current-password', required: true });
  const error = h('p', { class: 'error', role: 'alert' }, message);
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h(
    'form',
    {
      class: 'sign-in',
      'aria-labelledby': 'sign-in-title',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        submit.disabled = true;
        error.textContent = '';
        try {
          onSignedIn(await api.login(username.value.trim(), password.value));
        } catch (err) {
          error.textContent =
            err instanceof ApiError && err.status === 401
              ? 'Unknown user or wrong password.'
              : err instanceof ApiError && err.status === 429
                ? 'Too many failed attempts; wait a few minutes and try again.'
                : `Could not sign in: ${(err as Error).message}`;
          submit.disabled = false;
          password.select();
        }
      },
    },
    h('h1', { id: 'sign-in-title' }, 'Call rules'),
    h('p', {}, 'Sign in with the user name and password of your phone (SIP account).'),
    field('User name', username, 'e.g. alice or alice@example.com'),
    field('Password', password),
    error,
    submit,
  );
  queueMicrotask(() => username.focus());
  return h('main', { class: 'sign-in-page' }, form);
}
