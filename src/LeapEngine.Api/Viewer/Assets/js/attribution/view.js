// The attribution view: heatmap with output-token selection, the unit x output matrix, segment totals and the system
// prompt's influence, HiPe's stages, the evidence behind the numbers, faithfulness curves, exports and a permalink.
import { h, num, facts, section, download } from '../dom.js';
import { paint, limitOf } from '../colour.js';
import { linePlot } from '../plot.js';
import { heatmap } from './heatmap.js';
import { matrix } from './matrix.js';
import { hipeStages } from './stages.js';
import { toCsv, toHtml } from './export.js';

function outputTokens(result, onSelect) {
  const buttons = [];
  const choose = selected => {
    buttons.forEach((b, i) => b.setAttribute('aria-pressed', String((i === 0 ? null : i - 1) === selected)));
    onSelect(selected);
  };
  buttons.push(h('button', { type: 'button', class: 'token-button', 'data-output-token': 'total', onclick: () => choose(null) }, 'All (total)'));
  result.completion_tokens.forEach((token, j) => buttons.push(h('button', {
    type: 'button', class: 'token-button token', 'data-output-token': j, onclick: () => choose(j),
    title: `log-probability ${result.completion_token_log_probs?.[j]}`,
  }, token)));
  buttons[0].setAttribute('aria-pressed', 'true');
  for (const b of buttons.slice(1)) b.setAttribute('aria-pressed', 'false');
  return h('div', { class: 'tokens', role: 'group', 'aria-label': 'Output tokens: choose one to see its row' }, buttons);
}

function segmentTotals(result) {
  const limit = limitOf(result.segments.map(s => s.score));
  const table = h('table', { id: 'segment-totals' },
    h('thead', {}, h('tr', {}, ['Segment', 'Units', 'Score (sum)', '|Score| mass', 'Share'].map(t => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, result.segments.map(s => {
      const score = h('td', { class: 'num' }, num(s.score));
      paint(score, s.score, limit);
      return h('tr', {}, h('th', { scope: 'row' }, s.segment), h('td', { class: 'num' }, s.units), score,
        h('td', { class: 'num' }, num(s.absolute_mass)), h('td', { class: 'num' }, `${num(s.share * 100, 1)}%`));
    })));
  const system = result.system_prompt ? facts([
    ['System prompt: log-probability drop when removed', `${num(result.system_prompt.log_prob_drop, 4)} nats`],
    ['Completion log-probability without it', num(result.system_prompt.log_prob_without, 4)],
    ['System segment\u2019s share of attribution mass', `${num(result.system_prompt.attribution_share * 100, 1)}%`],
  ], 'System prompt influence') : h('p', { class: 'muted' }, 'No system prompt was given, so no system-prompt influence was measured.');
  return [table, system];
}

function evidence(result) {
  return facts([
    ['Scoring mode', result.scoring_mode ?? 'white-box (the model runs in the worker)'],
    ['Evaluation mode', result.evaluation_mode],
    ['Perturbed prompts scored', num(result.evaluations, 0)],
    ['Evaluations in all (with system influence and faithfulness)', num(result.total_evaluations, 0)],
    ['Forward passes', num(result.forward_passes, 0)],
    ['Forward tokens', num(result.forward_tokens, 0)],
    ['Noise floor', result.noise_floor === undefined ? undefined : num(result.noise_floor, 4)],
    ['Endpoint calls', result.endpoint_calls === undefined ? undefined : num(result.endpoint_calls, 0)],
    ['Completion log-probability', num(result.completion_log_prob, 4)],
    ['Completion', result.completion_generated ? 'the model\u2019s greedy completion' : 'given by the request'],
    ['Template', result.template], ['Perturbation', result.perturbation], ['Unit', result.unit],
  ], 'Evidence');
}

function faithfulness(report) {
  const curve = (name, points, kind) => ({ name, kind, points: points.map(p => [p.fraction, p.log_prob]) });
  return [
    linePlot({
      title: 'Faithfulness: completion log-probability as the highest-attributed units are deleted or inserted',
      xLabel: 'fraction of units', yLabel: 'log-probability',
      series: [curve(`deletion (AUC ${num(report.deletion_auc)})`, report.deletion, 'deletion'),
        curve(`insertion (AUC ${num(report.insertion_auc)})`, report.insertion, 'insertion')],
    }),
    h('table', { id: 'eraser' }, h('caption', {}, 'ERASER scores'),
      h('thead', {}, h('tr', {}, ['Fraction', 'Units', 'Comprehensiveness', 'Sufficiency'].map(t => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, report.eraser.map(e => h('tr', {}, h('td', { class: 'num' }, num(e.fraction, 2)), h('td', { class: 'num' }, e.units),
        h('td', { class: 'num' }, num(e.comprehensiveness)), h('td', { class: 'num' }, num(e.sufficiency)))))),
  ];
}

function exports(job) {
  const result = job.result;
  const permalink = new URL(`/app/jobs/${job.id}`, location.origin).href;
  const field = h('input', { id: 'permalink', type: 'text', readonly: true, value: permalink });
  const status = h('span', { role: 'status', class: 'muted' });
  return h('div', { class: 'exports' },
    h('button', { type: 'button', id: 'export-json', onclick: () => download(`${job.id}.json`, 'application/json', JSON.stringify(result, null, 2)) }, 'Export JSON'),
    h('button', { type: 'button', id: 'export-csv', onclick: () => download(`${job.id}.csv`, 'text/csv', toCsv(result)) }, 'Export CSV'),
    h('button', { type: 'button', id: 'export-html', onclick: () => download(`${job.id}.html`, 'text/html', toHtml(result, job.id)) }, 'Export HTML page'),
    h('label', { for: 'permalink' }, 'Permalink (only your account can open it)'), field,
    h('button', { type: 'button', onclick: async () => {
      try { await navigator.clipboard.writeText(permalink); status.textContent = 'Copied.'; } catch { field.select(); status.textContent = 'Select and copy the link.'; }
    } }, 'Copy link'), status);
}

export function attributionView(job) {
  const result = job.result;
  const heat = heatmap(result);
  return h('div', { class: 'attribution' },
    section('Completion', h('p', {}, h('code', { class: 'completion' }, result.completion_text)),
      h('p', { class: 'muted' }, `Model ${result.model_id} · method ${result.method} · unit ${result.unit} · perturbation ${result.perturbation}`)),
    section('Prompt heatmap', h('p', {}, 'Choose an output token to see which units drove it:'), outputTokens(result, heat.update), heat.element),
    section('Unit × output matrix', matrix(result)),
    section('Segments and system prompt', segmentTotals(result)),
    result.hipe_chunks?.length ? section('HiPe stages', hipeStages(result)) : null,
    section('Evidence', evidence(result)),
    result.faithfulness ? section('Faithfulness', faithfulness(result.faithfulness)) : null,
    section('Export and share', exports(job)));
}
