// Submission forms, one per job type, each posting to its API route; the API's validation messages show in place.
import { h } from '../dom.js';
import { get, create } from '../api.js';
import { buildForm } from '../forms.js';

const drop = body => Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)));

/** Per type: the route, the fields and how the form's values become the request body. */
const KINDS = {
  attribution: {
    label: 'Attribution', route: '/v1/attributions',
    fields: [
      { name: 'text', label: 'Prompt', kind: 'textarea', required: true, help: 'The user prompt to attribute (at most 20,000 characters).' },
      { name: 'system', label: 'System prompt', kind: 'textarea', help: 'Optional: the result then reports the system prompt\u2019s influence.' },
      { name: 'method', label: 'Method', kind: 'select', options: ['itp', 'hipe'], value: 'itp' },
      { name: 'unit', label: 'Unit', kind: 'text', value: 'word', help: 'token, word or chunk:K' },
      { name: 'perturbation', label: 'Perturbation', kind: 'text', value: 'remove', help: 'remove, token:X, nearest:N or hide' },
      { name: 'max_new_tokens', label: 'Completion length (tokens)', kind: 'number', value: 8, min: 1, max: 256, step: 1 },
      { name: 'completion', label: 'Completion to explain', kind: 'text', help: 'Optional: omitted, the model\u2019s greedy completion.' },
      { name: 'faithfulness', label: 'Faithfulness curves', kind: 'checkbox', value: true },
    ],
    body: v => drop(v),
  },
  system_prompt_influence: {
    label: 'System-prompt influence check', route: '/v1/checks/system-prompt-influence',
    fields: [
      { name: 'name', label: 'Case name', kind: 'text', field: 'cases[0].name' },
      { name: 'system', label: 'System prompt', kind: 'textarea', required: true, field: 'cases[0].system' },
      { name: 'user', label: 'User prompt', kind: 'textarea', required: true, field: 'cases[0].user' },
      { name: 'max_drop', label: 'Largest allowed log-prob drop (nats)', kind: 'number', field: 'cases[0].log_prob_drop' },
      { name: 'max_share', label: 'Largest allowed attribution share (0..1)', kind: 'number', field: 'cases[0].attribution_share' },
      { name: 'max_new_tokens', label: 'Completion length (tokens)', kind: 'number', value: 8, step: 1 },
    ],
    body: v => drop({
      max_new_tokens: v.max_new_tokens, model: v.model,
      cases: [drop({ name: v.name, system: v.system, user: v.user,
        log_prob_drop: v.max_drop === undefined ? undefined : { max: v.max_drop },
        attribution_share: v.max_share === undefined ? undefined : { max: v.max_share } })],
    }),
  },
  prompt_optimisation: {
    label: 'Prompt optimisation', route: '/v1/optimisations',
    fields: [
      { name: 'target', label: 'Target text', kind: 'text', required: true, help: 'What the model should say, e.g. " ball" (a leading space is part of it).' },
      { name: 'method', label: 'Method', kind: 'select', options: ['hybrid', 'descent', 'gcg'], value: 'hybrid' },
      { name: 'length', label: 'Prompt length (tokens)', kind: 'number', value: 4, step: 1 },
      { name: 'steps', label: 'Steps', kind: 'number', value: 60, step: 1 },
      { name: 'seed', label: 'Seed', kind: 'number', value: 0, step: 1 },
      { name: 'max_work', label: 'Work budget', kind: 'number', step: 1, help: 'Forward-token equivalents; optional.' },
    ],
    body: v => drop(v),
  },
  generation: {
    label: 'Generation', route: '/v1/generations',
    fields: [
      { name: 'prompt', label: 'Prompt', kind: 'textarea', required: true },
      { name: 'max_tokens', label: 'Tokens to generate', kind: 'number', value: 32, step: 1 },
      { name: 'temperature', label: 'Temperature (0 = greedy)', kind: 'number', value: 0 },
    ],
    body: v => drop(v),
  },
  dictionary_build: {
    label: 'Dictionary (Exemplar Partitioning)', route: '/v1/dictionaries',
    fields: [
      { name: 'name', label: 'Name', kind: 'text' },
      { name: 'texts', label: 'Corpus, one text per line', kind: 'lines', required: true, rows: 6 },
      { name: 'hook', label: 'Hook point', kind: 'text', help: 'Omitted: the middle layer\u2019s hook_resid_post.' },
      { name: 'percentile', label: 'Theta percentile', kind: 'number', value: 5 },
      { name: 'context_length', label: 'Context length (tokens)', kind: 'number', value: 64, step: 1 },
    ],
    body: v => drop(v),
  },
};

export async function submitPage(context) {
  const type = new URLSearchParams(location.search).get('type') ?? 'attribution';
  const kind = KINDS[type] ?? KINDS.attribution;
  context.setTitle(`New ${kind.label.toLowerCase()}`);
  const models = await get('/v1/models').then(r => r.data.map(m => m.id)).catch(() => []);
  const fields = [{ name: 'model', label: 'Model', kind: 'select', options: models, value: models[0] }, ...kind.fields];
  const { form } = buildForm({
    id: 'submit-form', title: kind.label, fields, submitLabel: 'Submit',
    onSubmit: async (values, idempotencyKey) => {
      const job = await create(kind.route, kind.body(values), idempotencyKey);
      context.navigate(`/app/jobs/${job.id}`);
    },
  });
  const tabs = h('nav', { class: 'tabs', 'aria-label': 'Job types' }, h('ul', {}, Object.entries(KINDS).map(([key, k]) =>
    h('li', {}, h('a', { href: `/app/jobs/new?type=${key}`, 'data-link': true, 'aria-current': key === type || (!KINDS[type] && key === 'attribution') ? 'page' : undefined }, k.label)))));
  return h('div', {}, h('h1', {}, 'New job'), tabs, form);
}
