// The black-box attribution view (job type blackbox_attribution, result kind "black_box"): the endpoint's completion,
// how it was scored and why, the units of each message with their scores (those within the noise floor marked), the
// per-role totals, the system messages' influence, how much the visible user text explains, and the calls it cost.
import { h, num, facts, section, download } from '../dom.js';
import { paint, limitOf } from '../colour.js';

function unitsTable(result) {
  const limit = limitOf(result.units.map(u => u.score));
  return h('table', { id: 'blackbox-units' },
    h('thead', {}, h('tr', {}, ['Message', 'Role', 'Unit', 'Score', 'Within noise'].map(t => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, result.units.map(u => {
      const score = h('td', { class: 'num' }, num(u.score));
      if (!u.below_noise) paint(score, u.score, limit);
      return h('tr', { 'data-below-noise': String(u.below_noise) }, h('td', { class: 'num' }, u.message), h('td', {}, u.role),
        h('th', { scope: 'row' }, u.text), score, h('td', {}, u.below_noise ? 'yes' : 'no'));
    })));
}

function rolesTable(result) {
  return h('table', { id: 'blackbox-roles' },
    h('thead', {}, h('tr', {}, ['Role', 'Units', 'Score (sum)', '|Score| mass', 'Share'].map(t => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, result.roles.map(r => h('tr', {}, h('th', { scope: 'row' }, r.role), h('td', { class: 'num' }, r.units),
      h('td', { class: 'num' }, num(r.score)), h('td', { class: 'num' }, num(r.absolute_mass)), h('td', { class: 'num' }, `${num(r.share * 100, 1)}%`)))));
}

function influence(result) {
  return facts([
    ['System messages: log-probability drop when removed', result.system_prompt ? `${num(result.system_prompt.log_prob_drop, 4)} nats` : undefined],
    ['System messages\u2019 share of attribution mass', result.system_prompt ? `${num(result.system_prompt.attribution_share * 100, 1)}%` : undefined],
    ['Visible user text: drop when all of it is perturbed', result.user_text ? `${num(result.user_text.log_prob_drop, 4)} nats` : undefined],
    ['Visible user text: drop per completion token', result.user_text ? num(result.user_text.drop_per_token, 4) : undefined],
    ['Visible user text: share of the completion it explains', result.user_text
      ? `${num(result.user_text.explained_share * 100, 1)}%${result.user_text.mostly_unexplained ? ' \u2014 mostly unexplained: a hidden prompt or a default answer drives it (docs/black-box.md)' : ''}`
      : undefined],
  ], 'Influence');
}

function evidence(result) {
  return facts([
    ['Endpoint', `${result.endpoint} (model ${result.endpoint_model})`],
    ['Scoring mode', `${result.scoring_mode}: ${result.scoring_reason}`],
    ['Noise floor', `${num(result.noise_floor, 4)} (${result.noise_samples} repeated calls)`],
    ['Perturbed prompts scored', num(result.evaluations, 0)],
    ['Endpoint calls', `${num(result.calls.used, 0)} used of a budget of ${num(result.calls.budget, 0)} (planned ${num(result.calls.planned, 0)}, probe ${num(result.calls.probe, 0)}, retries ${num(result.calls.retries, 0)})`],
    ['Completion log-probability', num(result.completion_log_prob, 4)],
    ['Completion', result.completion_generated ? 'the endpoint\u2019s temperature-0 completion' : 'given by the request'],
    ['Template', result.template], ['Perturbation', result.perturbation], ['Unit', result.unit],
  ], 'Evidence');
}

export function blackBoxView(job) {
  const result = job.result;
  return h('div', { class: 'attribution blackbox' },
    section('Completion', h('p', {}, h('code', { class: 'completion' }, result.completion_text)),
      h('p', { class: 'muted' }, `Black-box result · endpoint ${result.endpoint} · method ${result.method} · scoring ${result.scoring_mode}`)),
    section('Units', unitsTable(result)),
    section('Roles', rolesTable(result)),
    section('System prompt and visible text', influence(result)),
    section('Evidence', evidence(result)),
    section('Export', h('button', { type: 'button', id: 'export-json',
      onclick: () => download(`${job.id}.json`, 'application/json', JSON.stringify(result, null, 2)) }, 'Export JSON')));
}
