// The viewer reads the same API a client does. The API key stays in the server-side session (an HttpOnly cookie);
// calls here carry only that cookie and, for anything that changes state, the antiforgery token.

let csrf = null;
let onSignedOut = () => {};

/** A problem answer (RFC 9457) from the API: detail says what to fix, field names the request field at fault. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `the server answered ${status}`);
    this.status = status;
    this.problem = problem;
    this.field = problem?.field;
  }
}

export function whenSignedOut(handler) { onSignedOut = handler; }

/** The session as the server knows it; also fetches the antiforgery token for later changes. */
export async function loadSession() {
  const response = await fetch('/app/session', { credentials: 'same-origin', cache: 'no-store' });
  const session = await response.json();
  csrf = { header: session.csrf_header, token: session.csrf_token };
  return session;
}

async function send(method, path, { body, headers = {} } = {}) {
  const all = { Accept: 'application/json', ...headers };
  if (method !== 'GET') {
    if (!csrf) await loadSession();
    all[csrf.header] = csrf.token;
  }
  if (body !== undefined) all['Content-Type'] = 'application/json';
  const response = await fetch(path, {
    method, headers: all, credentials: 'same-origin', cache: 'no-store',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const type = response.headers.get('Content-Type') || '';
  const data = response.status === 204 ? null : type.includes('json') ? await response.json() : await response.text();
  if (!response.ok) {
    if (response.status === 401 && path.startsWith('/v1/')) onSignedOut();
    throw new ApiError(response.status, typeof data === 'object' ? data : null);
  }
  return data;
}

export const get = path => send('GET', path);

/** A creating POST: an Idempotency-Key per submission, so a repeated click or a retry never makes a second job. */
export const create = (path, body, idempotencyKey) =>
  send('POST', path, { body, headers: idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {} });

export const post = (path, body) => send('POST', path, { body });

/** Signs in with a key: sent once, as a Bearer header, so the API's own authentication checks it. */
export async function signIn(key) {
  await send('POST', '/app/session', { headers: { Authorization: 'Bearer ' + key } });
  return loadSession();
}

export async function signOut() {
  await send('POST', '/app/session/sign-out');
  return loadSession();
}

/** A job's server-sent events (EventSource carries the session cookie; the API closes it when the key is revoked). */
export function watchJob(id, { progress, done, revoked }) {
  const events = new EventSource(`/v1/jobs/${encodeURIComponent(id)}/events`);
  events.addEventListener('progress', e => progress(JSON.parse(e.data)));
  events.addEventListener('done', e => { events.close(); done(JSON.parse(e.data)); });
  events.addEventListener('revoked', () => { events.close(); (revoked ?? onSignedOut)(); });
  return events;
}

export const FINAL = new Set(['succeeded', 'failed', 'cancelled']);
