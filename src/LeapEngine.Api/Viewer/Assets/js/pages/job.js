// One job (its permalink, /app/jobs/{id}): status and progress live over server-sent events, cancel, and the result
// drawn by type. Another tenant's job is a 404 from the API, and the plain 404 page here.
import { h, facts, when, num, link } from '../dom.js';
import { get, watchJob, FINAL, ApiError } from '../api.js';
import { statusBadge, progressBar, cancelJob } from './jobs.js';
import { notFoundPage } from './notfound.js';
import { attributionView } from '../attribution/view.js';
import { blackBoxView } from '../attribution/blackbox.js';
import { checkView, optimisationView, generationView, dictionaryJobView } from './results.js';

const VIEWS = {
  attribution: attributionView,
  blackbox_attribution: blackBoxView,
  system_prompt_influence: checkView,
  prompt_optimisation: optimisationView,
  generation: generationView,
};

export async function jobPage(context, id) {
  let job;
  try {
    job = await get(`/v1/jobs/${encodeURIComponent(id)}`);
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 400)) return notFoundPage(context, `There is no job ${id} in your account.`);
    throw error;
  }
  context.setTitle(`${job.type} ${job.id}`);
  const head = h('div');
  const body = h('div', { id: 'result' });
  const live = h('p', { class: 'visually-hidden', 'aria-live': 'polite' });

  function drawHead() {
    const cancel = FINAL.has(job.status) ? null : h('button', {
      type: 'button', id: 'cancel-job',
      onclick: async () => { try { show(await cancelJob(job.id)); } catch (e) { live.textContent = e.message; } },
    }, job.cancel_requested ? 'Cancelling…' : 'Cancel job');
    head.replaceChildren(...[
      h('div', { class: 'page-head' }, h('h1', {}, `${job.type} `, h('code', {}, job.id)), cancel),
      h('div', { class: 'job-status', 'data-job-status': job.status }, statusBadge(job.status), ' ', progressBar(job),
        job.progress?.message ? h('span', { class: 'muted' }, ' ', job.progress.message) : null,
        job.queue_position ? h('span', { class: 'muted' }, ` · position ${job.queue_position} in your queue`) : null),
      facts([
        ['Model', job.model], ['Created', when(job.created_at)], ['Started', when(job.started_at)], ['Finished', when(job.finished_at)],
        ...(job.usage?.unit === 'endpoint_calls' ? [
          ['Reserved endpoint calls', num(job.usage.reserved_endpoint_calls, 0)],
          ['Endpoint calls used', job.usage.endpoint_calls == null ? undefined : num(job.usage.endpoint_calls, 0)],
        ] : [
          ['Reserved model tokens', num(job.usage?.reserved_model_tokens, 0)],
          ['Model tokens used', job.usage?.model_tokens === undefined ? undefined : num(job.usage.model_tokens, 0)],
        ]),
      ], 'Job details'),
      job.error ? h('div', { class: 'error', role: 'alert' }, h('strong', {}, job.error.code), ': ', job.error.message) : null,
    ].filter(Boolean));
  }
  function drawBody() {
    if (job.status !== 'succeeded' || !job.result) { body.replaceChildren(); return; }
    const view = VIEWS[job.type] ?? (job.type.startsWith('dictionary_') ? dictionaryJobView : null);
    body.replaceChildren(view ? view(job, context) : h('pre', {}, JSON.stringify(job.result, null, 2)));
  }
  function show(next) {
    const finishedNow = !FINAL.has(job.status) && FINAL.has(next.status);
    job = next;
    drawHead();
    if (finishedNow || (FINAL.has(job.status) && !body.firstChild)) { drawBody(); live.textContent = `Job ${job.status}.`; }
  }

  drawHead();
  drawBody();
  if (!FINAL.has(job.status)) {
    const stream = watchJob(job.id, { progress: show, done: show });
    context.onLeave(() => stream.close());
  }
  return h('div', { class: 'job' }, h('p', {}, link('/app/jobs', '← All jobs')), head, live, body);
}
