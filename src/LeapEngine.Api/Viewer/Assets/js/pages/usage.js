// Usage against the plan: one bar per limit, with the figures as text.
import { h, num, section } from '../dom.js';
import { get } from '../api.js';

function bar(label, used, limit, unit) {
  const share = limit > 0 ? Math.min(1, used / limit) : 0;
  const id = 'usage-' + label.toLowerCase().replace(/[^a-z]+/g, '-');
  const meter = h('meter', { id, min: 0, max: limit || 1, value: Math.min(used, limit || 1), high: (limit || 1) * 0.8, optimum: 0 });
  return h('div', { class: 'usage-row', 'data-usage': label },
    h('label', { for: id }, label), meter,
    h('span', {}, `${num(used, 0)} of ${num(limit, 0)} ${unit} (${num(share * 100, 1)}%)`));
}

export async function usagePage(context) {
  context.setTitle('Usage');
  const u = await get('/v1/usage');
  const l = u.limits;
  return h('div', {}, h('h1', {}, 'Usage'),
    h('p', {}, `Plan ${u.plan}, month ${u.month}.`),
    section('Against your plan',
      bar('Compute this month', u.used_model_tokens + u.reserved_model_tokens, l.compute_tokens_per_month, 'model tokens (used and reserved)'),
      bar('Jobs today', u.jobs_today, l.jobs_per_day, 'jobs'),
      bar('Running now', u.active_jobs, l.concurrent_jobs, 'jobs'),
      h('p', { class: 'muted' }, `Used ${num(u.used_model_tokens, 0)}, reserved by running jobs ${num(u.reserved_model_tokens, 0)}, ` +
        `remaining ${num(u.remaining_model_tokens, 0)} model tokens. Prompts up to ${num(l.max_prompt_tokens, 0)} tokens; ${num(l.requests_per_minute, 0)} requests a minute.`)));
}
