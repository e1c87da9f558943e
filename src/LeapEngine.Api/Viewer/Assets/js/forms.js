// Forms from field lists, with the API's validation answer shown where it belongs: the problem's `field` marks the
// input at fault (aria-invalid, the detail beside it) and the summary says what to fix.
import { h } from './dom.js';
import { ApiError } from './api.js';

let counter = 0;

/**
 * fields: [{ name, label, kind: 'text'|'textarea'|'number'|'select'|'checkbox'|'lines', field (the API's name for it),
 * options, value, required, help, min, max, step }]. Returns { form, values(), fail(error), reset() }.
 */
export function buildForm({ id, title, label, fields, submitLabel, onSubmit }) {
  const inputs = new Map();
  const summary = h('div', { class: 'error', role: 'alert', 'data-form-error': true });
  const rows = fields.map(f => {
    const inputId = `${id}-${f.name}`;
    const helpId = `${inputId}-help`, errorId = `${inputId}-error`;
    let input;
    const common = { id: inputId, name: f.name, 'data-field': f.field ?? f.name, required: f.required, 'aria-describedby': `${helpId} ${errorId}` };
    if (f.kind === 'textarea' || f.kind === 'lines') input = h('textarea', { ...common, rows: f.rows ?? 3 });
    else if (f.kind === 'select') input = h('select', common, f.options.map(o => h('option', { value: o, selected: o === f.value }, o)));
    else if (f.kind === 'checkbox') input = h('input', { ...common, type: 'checkbox', checked: !!f.value });
    else input = h('input', { ...common, type: f.kind === 'number' ? 'number' : 'text', min: f.min, max: f.max, step: f.step ?? (f.kind === 'number' ? 'any' : undefined) });
    if (f.kind !== 'select' && f.kind !== 'checkbox' && f.value !== undefined) input.value = f.value;
    inputs.set(f.name, { input, spec: f, error: h('span', { id: errorId, class: 'field-error' }) });
    const { error } = inputs.get(f.name);
    return h('div', { class: `field ${f.kind === 'checkbox' ? 'check' : ''}` },
      h('label', { for: inputId }, f.label), input, h('small', { id: helpId, class: 'muted' }, f.help ?? ''), error);
  });
  const button = h('button', { type: 'submit' }, submitLabel);
  const form = h('form', { id, class: 'card', novalidate: true, 'aria-labelledby': title ? `${id}-title` : undefined, 'aria-label': title ? undefined : label },
    title ? h('h2', { id: `${id}-title` }, title) : null, rows, button, summary);

  function values() {
    const out = {};
    for (const [name, { input, spec }] of inputs) {
      if (spec.kind === 'checkbox') out[name] = input.checked;
      else if (spec.kind === 'number') out[name] = input.value === '' ? undefined : Number(input.value);
      else if (spec.kind === 'lines') out[name] = input.value.split('\n').map(s => s.trim()).filter(Boolean);
      else out[name] = input.value === '' ? undefined : input.value;
    }
    return out;
  }
  function clear() {
    summary.replaceChildren();
    for (const { input, error } of inputs.values()) { input.removeAttribute('aria-invalid'); error.textContent = ''; }
  }
  function fail(error) {
    const target = error instanceof ApiError && error.field
      ? [...inputs.values()].find(({ input }) => error.field === input.dataset.field || error.field.startsWith(input.dataset.field + '.')
        || error.field.startsWith(input.dataset.field + '['))
      : null;
    summary.replaceChildren(h('p', {}, error instanceof ApiError && error.field ? `${error.field}: ${error.message}` : error.message));
    if (target) {
      target.input.setAttribute('aria-invalid', 'true');
      target.error.textContent = error.message;
      target.input.focus();
    }
  }
  let idempotencyKey = null;
  form.addEventListener('submit', async event => {
    event.preventDefault();
    clear();
    button.disabled = true;
    // One key per distinct body: a second click on the same form replays the first answer instead of a second job.
    const body = values();
    const fingerprint = JSON.stringify(body);
    if (!idempotencyKey || idempotencyKey.body !== fingerprint) idempotencyKey = { body: fingerprint, key: `viewer-${Date.now()}-${++counter}-${crypto.randomUUID()}` };
    try { await onSubmit(body, idempotencyKey.key); } catch (error) { fail(error); } finally { button.disabled = false; }
  });
  return { form, values, fail };
}
