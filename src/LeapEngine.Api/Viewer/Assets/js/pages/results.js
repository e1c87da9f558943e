// Results of the other job types: check cases with their figures, optimisation's verified prompts and loss curve,
// a generation's text, and the dictionary jobs (a build links to its explorer; steer/ablate show before and after).
import { h, num, facts, section, link } from '../dom.js';
import { linePlot } from '../plot.js';

export function checkView(job) {
  const r = job.result;
  return h('div', { class: 'check' },
    section('Check', h('p', { class: r.passed ? 'pass' : 'fail', 'data-check-passed': String(r.passed) },
      r.passed ? 'Passed' : 'Failed', ` — ${r.passed_cases} passed, ${r.failed_cases} failed`)),
    section('Cases', h('table', { id: 'check-cases' },
      h('thead', {}, h('tr', {}, ['Case', 'Result', 'Log-prob drop', 'Attribution share', 'Completion', 'Checks'].map(t => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, r.cases.map(c => h('tr', { 'data-passed': String(c.passed) },
        h('th', { scope: 'row' }, c.name), h('td', { class: c.passed ? 'pass' : 'fail' }, c.passed ? 'pass' : 'fail'),
        h('td', { class: 'num' }, num(c.log_prob_drop, 4)), h('td', { class: 'num' }, num(c.attribution_share, 4)),
        h('td', {}, h('code', {}, c.completion ?? '')),
        h('td', {}, h('ul', { class: 'plain' }, (c.checks ?? []).map(k => h('li', { class: k.passed ? 'pass' : 'fail' },
          `${k.figure} ${num(k.value, 4)}`, k.min !== undefined && k.min !== null ? ` ≥ ${num(k.min, 4)}` : '',
          k.max !== undefined && k.max !== null ? ` ≤ ${num(k.max, 4)}` : '', ` — ${k.passed ? 'pass' : 'fail'}`))))))))));
}

export function optimisationView(job) {
  const r = job.result;
  const losses = r.best_target_nll_per_step ?? [];
  return h('div', { class: 'optimisation' },
    section('Search', h('p', {}, r.summary ?? ''), facts([
      ['Target', h('code', {}, r.target)], ['Method', String(r.method)], ['Steps run', r.steps_run], ['Verified prompts', r.successes.length],
      ['First success at step', r.first_success_step ?? '—'], ['Stop reason', r.stop_reason], ['Work', num(r.work, 0)], ['Seconds', num(r.seconds, 2)],
    ], 'Search summary')),
    section('Verified prompts', r.successes.length === 0 ? h('p', { class: 'muted' }, 'No prompt was verified.') :
      h('table', { id: 'verified-prompts' },
        h('thead', {}, h('tr', {}, ['Step', 'Prompt', 'Token ids', 'Round-trips as text', 'Generation', 'Target log-prob'].map(t => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, r.successes.map(s => h('tr', {},
          h('td', { class: 'num' }, s.step), h('td', {}, h('code', {}, s.full_prompt_text)), h('td', {}, h('code', {}, (s.full_prompt_ids ?? []).join(' '))),
          h('td', {}, s.text_round_trips ? 'yes' : 'no (use the ids)'), h('td', {}, h('code', {}, s.generation)), h('td', { class: 'num' }, num(s.target_log_prob, 4))))))),
    losses.length ? section('Loss per step', linePlot({
      title: 'Best target loss (negative log-likelihood) per step', xLabel: 'step', yLabel: 'target NLL',
      series: [{ name: 'best target NLL', kind: 'deletion', points: losses.map((v, i) => [i + 1, v]) }],
    })) : null);
}

export function generationView(job) {
  const r = job.result;
  return section('Generation', h('p', {}, h('code', { class: 'completion' }, job.request?.prompt ?? ''), h('mark', {}, r.text)),
    facts([['Finish reason', r.finish_reason], ['Prompt tokens', r.prompt_tokens], ['Completion tokens', r.completion_tokens]], 'Generation'));
}

function interventionReport(report) {
  const row = (label, before, after) => h('tr', {}, h('th', { scope: 'row' }, label), h('td', {}, before), h('td', {}, after));
  return h('table', { id: 'intervention' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, ''), h('th', { scope: 'col' }, 'Before'), h('th', { scope: 'col' }, 'After'))),
    h('tbody', {},
      row('Continuation', h('code', {}, report.before), h('code', {}, report.after)),
      report.target === null || report.target === undefined ? null
        : row(`Log-prob of ${JSON.stringify(report.target)}`, num(report.target_log_prob_before, 4), num(report.target_log_prob_after, 4))));
}

export function dictionaryJobView(job) {
  const r = job.result;
  if (job.type === 'dictionary_build')
    return section('Dictionary', h('p', {}, 'Built ', link(`/app/dictionaries/${r.dictionary_id}`, r.dictionary_id), '.'));
  if (r.report) return section('Intervention', interventionReport(r.report), h('details', {}, h('summary', {}, 'Full report'), h('pre', {}, JSON.stringify(r.report, null, 2))));
  return section('Result', h('pre', {}, JSON.stringify(r, null, 2)));
}

export { interventionReport };
