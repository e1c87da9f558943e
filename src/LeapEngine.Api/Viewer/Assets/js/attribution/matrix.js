// The unit x output-token matrix: one row per unit, one column per completion token (the row sums to the unit's
// total), sortable by prompt order, by total or by any column, with a magnitude threshold and a top-k.
import { h, num } from '../dom.js';
import { paint, limitOf } from '../colour.js';

export function matrix(result) {
  const tokens = result.completion_tokens;
  const units = result.units;
  const cellLimit = limitOf(units.flatMap(u => u.output_token_scores));
  const totalLimit = limitOf(units.map(u => u.score));
  const state = { sort: 'prompt', threshold: 0, topK: 0 };

  const sortSelect = h('select', { id: 'matrix-sort' },
    h('option', { value: 'prompt' }, 'prompt order'),
    h('option', { value: 'total' }, 'total, highest first'),
    h('option', { value: 'abs' }, '|total|, largest first'),
    tokens.map((t, j) => h('option', { value: `col:${j}` }, `token ${j + 1} ${JSON.stringify(t)}, highest first`)));
  const threshold = h('input', { id: 'matrix-threshold', type: 'number', min: 0, step: 'any', value: 0 });
  const topK = h('input', { id: 'matrix-topk', type: 'number', min: 0, step: 1, value: 0 });
  const controls = h('div', { class: 'controls' },
    h('label', { for: 'matrix-sort' }, 'Sort rows by'), sortSelect,
    h('label', { for: 'matrix-threshold' }, 'Hide |values| below'), threshold,
    h('label', { for: 'matrix-topk' }, 'Top k rows (0 = all)'), topK);

  const head = h('tr', {}, h('th', { scope: 'col' }, 'Unit'), h('th', { scope: 'col' },
    h('button', { type: 'button', class: 'link-button', 'data-sort': 'total', onclick: () => set('total') }, 'Total',
      h('span', { class: 'visually-hidden' }, ' (sort by it)'))),
  tokens.map((t, j) => h('th', { scope: 'col' }, h('button', {
    type: 'button', class: 'link-button token', 'data-sort': `col:${j}`, onclick: () => set(`col:${j}`),
  }, t, h('span', { class: 'visually-hidden' }, ` (output token ${j + 1}: sort by it)`)))));
  const body = h('tbody');
  const table = h('table', { class: 'matrix', id: 'unit-matrix' },
    h('caption', {}, 'Unit × output-token matrix: drop in each output token\u2019s log-probability when the unit is perturbed'),
    h('thead', {}, head), body);

  const key = (unit, sort) => sort === 'total' ? unit.score : sort === 'abs' ? Math.abs(unit.score)
    : sort.startsWith('col:') ? unit.output_token_scores[Number(sort.slice(4))] : -unit.index;
  function set(sort) { state.sort = sort; sortSelect.value = sort; draw(); }

  function draw() {
    let rows = [...units];
    if (state.topK > 0) {
      // Top k by magnitude of the sort key (of |total| in prompt order), then shown in the chosen order.
      const magnitude = u => state.sort === 'prompt' ? Math.abs(u.score) : Math.abs(key(u, state.sort));
      const keep = new Set([...rows].sort((a, b) => magnitude(b) - magnitude(a)).slice(0, state.topK));
      rows = rows.filter(u => keep.has(u));
    }
    rows.sort((a, b) => key(b, state.sort) - key(a, state.sort));
    for (const button of head.querySelectorAll('button[data-sort]'))
      button.setAttribute('aria-pressed', String(button.dataset.sort === state.sort));
    body.replaceChildren(...rows.map(unit => {
      const cell = (value, limit, extra = {}) => {
        const hidden = Math.abs(value) < state.threshold;
        const td = h('td', { class: hidden ? 'num below' : 'num', 'data-value': value, ...extra }, hidden ? '' : num(value));
        if (!hidden) paint(td, value, limit);
        return td;
      };
      return h('tr', { 'data-unit': unit.index },
        h('th', { scope: 'row', class: 'unit-label' }, h('span', { class: 'muted' }, `${unit.index} `), unit.text),
        cell(unit.score, totalLimit, { 'data-total': true }),
        unit.output_token_scores.map(v => cell(v, cellLimit)));
    }));
  }
  sortSelect.addEventListener('change', () => set(sortSelect.value));
  threshold.addEventListener('input', () => { state.threshold = Math.max(0, Number(threshold.value) || 0); draw(); });
  topK.addEventListener('input', () => { state.topK = Math.max(0, Math.floor(Number(topK.value) || 0)); draw(); });
  draw();
  return h('div', { class: 'matrix-view' }, controls, h('div', { class: 'scroll', tabindex: 0, role: 'region', 'aria-label': 'Unit by output-token matrix' }, table));
}
