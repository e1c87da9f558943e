// The dictionary explorer: regions by size with their examples (the token highlighted in its context), search by
// token, "assign my text" with each token marked by its region, and steer/ablate forms showing before and after.
import { h, num, facts, section, link, when } from '../dom.js';
import { get, create, watchJob, FINAL, ApiError } from '../api.js';
import { buildForm } from '../forms.js';
import { notFoundPage } from './notfound.js';
import { interventionReport } from './results.js';

/** Regions read for the explorer, at most (100 per page). */
const MAX_REGIONS = 1000;

export async function dictionariesPage(context) {
  context.setTitle('Dictionaries');
  const list = await get('/v1/dictionaries?limit=100');
  return h('div', {}, h('div', { class: 'page-head' }, h('h1', {}, 'Dictionaries'), link('/app/jobs/new?type=dictionary_build', 'Build a dictionary')),
    list.data.length === 0 ? h('p', { class: 'muted' }, 'No dictionaries yet.') :
      h('table', {}, h('thead', {}, h('tr', {}, ['Dictionary', 'Name', 'Model', 'Hook', 'Regions', 'Created'].map(t => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, list.data.map(d => h('tr', {}, h('td', {}, link(`/app/dictionaries/${d.id}`, d.id)), h('td', {}, d.name ?? ''),
          h('td', {}, d.model), h('td', {}, h('code', {}, d.hook)), h('td', { class: 'num' }, d.regions), h('td', {}, when(d.created_at)))))));
}

/** A snippet with its token highlighted: the snippet marks it as "[token]". */
function snippet(example) {
  const marked = `[${example.token}]`;
  const at = example.snippet.lastIndexOf(marked);
  if (at < 0) return h('span', {}, example.snippet);
  return h('span', { class: 'snippet' }, example.snippet.slice(0, at), h('mark', {}, example.token), example.snippet.slice(at + marked.length));
}

function regionCard(region) {
  const ex = region.examples ?? {};
  const items = [ex.exemplar ? h('li', {}, h('strong', {}, 'exemplar: '), snippet(ex.exemplar)) : null,
    ...(ex.closest ?? []).map(e => h('li', {}, snippet(e), h('span', { class: 'muted' }, ` (distance ${num(e.distance)})`))),
    ...(ex.farthest ?? []).map(e => h('li', { class: 'far' }, snippet(e), h('span', { class: 'muted' }, ` (farthest, ${num(e.distance)})`)))];
  return h('li', { class: 'region', 'data-region': region.id },
    h('h3', {}, `Region ${region.id}`, h('span', { class: 'muted' }, ` · ${num(region.count, 0)} tokens · coherence ${num(region.coherence)}`)),
    h('ul', { class: 'examples' }, items));
}

/** Waits for a job over its event stream. */
function finished(job) {
  if (FINAL.has(job.status)) return Promise.resolve(job);
  return new Promise(resolve => watchJob(job.id, { progress: () => {}, done: resolve }));
}

async function runJob(path, body, key, out, render) {
  out.replaceChildren(h('p', { class: 'muted', role: 'status' }, 'Running…'));
  const job = await finished(await create(path, body, key));
  if (job.status !== 'succeeded') { out.replaceChildren(h('p', { class: 'error', role: 'alert' }, `${job.status}: ${job.error?.message ?? ''}`)); return; }
  out.replaceChildren(render(job.result), h('p', {}, link(`/app/jobs/${job.id}`, `job ${job.id}`)));
}

export async function dictionaryPage(context, id) {
  let dict;
  try { dict = await get(`/v1/dictionaries/${encodeURIComponent(id)}`); } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 400)) return notFoundPage(context, `There is no dictionary ${id} in your account.`);
    throw error;
  }
  context.setTitle(`Dictionary ${dict.name ?? dict.id}`);
  const regions = [];
  for (let after = null; regions.length < MAX_REGIONS;) {
    const page = await get(`/v1/dictionaries/${encodeURIComponent(id)}/regions?limit=100` + (after === null ? '' : `&after=${after}`));
    regions.push(...page.data);
    if (!page.has_more) break;
    after = page.last_id;
  }
  regions.sort((a, b) => b.count - a.count || a.id - b.id);

  const search = h('input', { id: 'region-search', type: 'search', placeholder: 'e.g. girl' });
  const shown = h('ol', { class: 'regions', id: 'regions' });
  const count = h('p', { class: 'muted', role: 'status' });
  const draw = () => {
    const q = search.value.trim().toLowerCase();
    const match = r => !q || [r.examples?.exemplar, ...(r.examples?.closest ?? []), ...(r.examples?.farthest ?? [])]
      .some(e => e && e.token.toLowerCase().replaceAll('\u2581', ' ').includes(q));
    const hits = regions.filter(match);
    shown.replaceChildren(...hits.slice(0, 50).map(regionCard));
    count.textContent = `${hits.length} of ${regions.length} regions${hits.length > 50 ? ' (the 50 largest shown)' : ''}, largest first.`;
  };
  search.addEventListener('input', draw);
  draw();

  const assignOut = h('div', { id: 'assign-result' });
  const assign = buildForm({
    id: 'assign-form', label: 'Assign my text', submitLabel: 'Assign',
    fields: [{ name: 'text', label: 'Text', kind: 'textarea', required: true, field: 'texts' }],
    onSubmit: (v, key) => runJob(`/v1/dictionaries/${id}/assign`, { model: dict.model, texts: [v.text ?? ''] }, key, assignOut, result =>
      h('p', { class: 'assigned' }, result.texts[0].tokens.map(t => h('span', {
        class: `assigned-token ${t.within_theta ? '' : 'outside'}`, tabindex: 0, 'data-region': t.region,
        title: `region ${t.region}, distance ${num(t.distance)}${t.within_theta ? '' : ' (outside every region)'}`,
      }, t.token.replace(/\u2581/g, ' '), h('sub', {}, t.region))))),
  });
  const interventionOut = h('div', { id: 'intervention-result' });
  const steer = buildForm({
    id: 'steer-form', title: 'Steer towards a region', submitLabel: 'Steer',
    fields: [{ name: 'prompt', label: 'Prompt', kind: 'text', required: true }, { name: 'region', label: 'Region', kind: 'number', step: 1 },
      { name: 'alpha', label: 'Alpha', kind: 'number' }, { name: 'target', label: 'Target continuation', kind: 'text' },
      { name: 'max_new_tokens', label: 'Tokens to generate', kind: 'number', value: 16, step: 1 }],
    onSubmit: (v, key) => runJob(`/v1/dictionaries/${id}/steer`, { model: dict.model, ...v }, key, interventionOut, r => interventionReport(r.report)),
  });
  const ablate = buildForm({
    id: 'ablate-form', title: 'Ablate regions', submitLabel: 'Ablate',
    fields: [{ name: 'prompt', label: 'Prompt', kind: 'text', required: true },
      { name: 'regions', label: 'Regions (comma-separated ids)', kind: 'text', required: true },
      { name: 'target', label: 'Target continuation', kind: 'text' }, { name: 'max_new_tokens', label: 'Tokens to generate', kind: 'number', value: 16, step: 1 }],
    onSubmit: (v, key) => runJob(`/v1/dictionaries/${id}/ablate`,
      { model: dict.model, ...v, regions: (v.regions ?? '').split(',').map(s => s.trim()).filter(Boolean).map(Number) }, key, interventionOut, r => interventionReport(r.report)),
  });

  return h('div', {}, h('h1', {}, `Dictionary ${dict.name ?? ''} `, h('code', {}, dict.id)),
    facts([['Model', dict.model], ['Hook', h('code', {}, dict.hook)], ['Regions', dict.regions], ['Created', when(dict.created_at)]], 'Dictionary'),
    section('Regions by size', h('label', { for: 'region-search' }, 'Search regions by token'), search, count, shown),
    section('Assign my text', assign.form, assignOut),
    section('Steer and ablate', steer.form, ablate.form, interventionOut));
}
