import { h, link } from '../dom.js';

/** The plain 404 page: a missing object and another tenant's object look exactly alike. */
export function notFoundPage(context, detail) {
  context.setTitle('Not found');
  document.documentElement.dataset.status = '404';
  context.onLeave(() => delete document.documentElement.dataset.status);
  return h('div', { class: 'not-found' },
    h('h1', {}, '404 — Not found'),
    h('p', {}, detail),
    h('p', {}, link('/app/jobs', 'Back to your jobs')));
}
