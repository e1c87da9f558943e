// The jobs list: filters, cursor paging, and live status/progress for unfinished jobs (server-sent events).
import { h, link, when } from '../dom.js';
import { get, post, watchJob, FINAL } from '../api.js';

export const JOB_TYPES = ['attribution', 'system_prompt_influence', 'prompt_optimisation', 'generation', 'dictionary_build',
  'dictionary_assign', 'dictionary_score', 'dictionary_steer', 'dictionary_ablate', 'dictionary_match'];
const STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];
/** Streams open at once from this page; the plan caps held connections per tenant (10 by default). */
const MAX_STREAMS = 4;

export function statusBadge(status) {
  return h('span', { class: `badge status-${status}`, 'data-status': status }, status);
}

export function progressBar(job) {
  const p = job.progress ?? {};
  const label = p.total > 0 ? `${p.done} of ${p.total} ${p.unit ?? ''}`.trim() : job.status === 'queued' ? 'waiting to start' : '';
  return h('span', { class: 'progress-cell' },
    h('progress', { max: 1, value: job.status === 'succeeded' ? 1 : (p.fraction ?? 0), 'aria-label': `progress of ${job.id}` }),
    h('span', { class: 'muted' }, label));
}

export async function cancelJob(id) {
  return post(`/v1/jobs/${encodeURIComponent(id)}/cancel`);
}

export async function jobsPage(context) {
  context.setTitle('Jobs');
  const params = new URLSearchParams(location.search);
  const select = (name, values, current) => h('select', { id: `filter-${name}`, name },
    h('option', { value: '' }, 'any'), values.map(v => h('option', { value: v, selected: v === current }, v)));
  const statusFilter = select('status', STATUSES, params.get('status'));
  const typeFilter = select('type', JOB_TYPES, params.get('type'));
  const filters = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter jobs' },
    h('label', { for: 'filter-status' }, 'Status'), statusFilter,
    h('label', { for: 'filter-type' }, 'Type'), typeFilter,
    h('button', { type: 'submit' }, 'Apply'));
  filters.addEventListener('submit', event => {
    event.preventDefault();
    const q = new URLSearchParams();
    if (statusFilter.value) q.set('status', statusFilter.value);
    if (typeFilter.value) q.set('type', typeFilter.value);
    context.navigate('/app/jobs' + (q.size ? '?' + q : ''));
  });

  const body = h('tbody');
  const table = h('table', { class: 'jobs' },
    h('caption', { class: 'visually-hidden' }, 'Your jobs, newest first'),
    h('thead', {}, h('tr', {}, ['Job', 'Type', 'Status', 'Progress', 'Created', ''].map(t => h('th', { scope: 'col' }, t)))),
    body);
  const more = h('button', { type: 'button', hidden: true }, 'Load more');
  const empty = h('p', { class: 'muted', hidden: true }, 'No jobs match.');
  const notice = h('p', { class: 'error', role: 'alert' });
  const streams = new Map();
  context.onLeave(() => { for (const s of streams.values()) s.close(); });

  function row(job) {
    const cancel = FINAL.has(job.status) ? '' : h('button', {
      type: 'button', class: 'small', 'aria-label': `Cancel ${job.id}`,
      onclick: async () => { try { replace(await cancelJob(job.id)); } catch (e) { notice.textContent = e.message; } },
    }, 'Cancel');
    return h('tr', { 'data-job': job.id },
      h('td', {}, link(`/app/jobs/${job.id}`, job.id)), h('td', {}, job.type), h('td', {}, statusBadge(job.status)),
      h('td', {}, progressBar(job)), h('td', {}, when(job.created_at)), h('td', {}, cancel));
  }
  function replace(job) {
    const old = body.querySelector(`tr[data-job="${CSS.escape(job.id)}"]`);
    if (old) old.replaceWith(row(job));
    if (FINAL.has(job.status)) { streams.get(job.id)?.close(); streams.delete(job.id); }
  }
  function follow(job) {
    if (FINAL.has(job.status) || streams.has(job.id) || streams.size >= MAX_STREAMS) return;
    streams.set(job.id, watchJob(job.id, { progress: replace, done: replace }));
  }

  let after = null;
  async function load() {
    const q = new URLSearchParams({ limit: '20' });
    if (statusFilter.value) q.set('status', statusFilter.value);
    if (typeFilter.value) q.set('type', typeFilter.value);
    if (after) q.set('after', after);
    const page = await get('/v1/jobs?' + q);
    for (const job of page.data) { body.append(row(job)); follow(job); }
    after = page.last_id;
    more.hidden = !page.has_more;
    empty.hidden = body.children.length > 0;
  }
  more.addEventListener('click', () => load().catch(e => { notice.textContent = e.message; }));
  await load();
  return h('div', {}, h('div', { class: 'page-head' }, h('h1', {}, 'Jobs'), link('/app/jobs/new', 'New job')), filters, notice, table, empty, more);
}
