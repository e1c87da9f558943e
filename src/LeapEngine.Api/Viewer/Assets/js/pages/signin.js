import { h } from '../dom.js';
import { signIn } from '../api.js';

/** Sign-in with an API key. The key goes to the server once; the page keeps nothing (the session is an HttpOnly cookie). */
export function signInPage(context, refreshSession) {
  context.setTitle('Sign in');
  const input = h('input', { id: 'api-key', name: 'key', type: 'password', autocomplete: 'off', required: true, spellcheck: 'false' });
  const message = h('p', { id: 'sign-in-error', class: 'error', role: 'alert' });
  const form = h('form', { class: 'card narrow', 'aria-describedby': 'sign-in-help' },
    h('h1', {}, 'Sign in'),
    h('p', { id: 'sign-in-help' }, 'Paste an API key of your account (one with the read scope; the write scope to submit jobs). ' +
      'It is kept on the server for this browser session only.'),
    h('label', { for: 'api-key' }, 'API key'), input,
    h('button', { type: 'submit' }, 'Sign in'), message);
  form.addEventListener('submit', async event => {
    event.preventDefault();
    message.textContent = '';
    try {
      await signIn(input.value.trim());
      input.value = '';
      await refreshSession();
      const next = new URLSearchParams(location.search).get('next');
      context.navigate(next && next.startsWith('/app/') && !next.startsWith('/app/sign-in') ? next : '/app/jobs', true);
    } catch (error) {
      message.textContent = error.message;
      input.focus();
    }
  });
  return form;
}
