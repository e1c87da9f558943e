// HiPe's search as a drill-down: one disclosure per stage, listing its chunks (the units they cover), each chunk's
// signed score and whether HiPe split it for the next stage.
import { h, num } from '../dom.js';
import { paint, limitOf } from '../colour.js';

export function hipeStages(result) {
  const chunks = result.hipe_chunks ?? [];
  const limit = limitOf(chunks.map(c => c.score));
  const stages = [...new Set(chunks.map(c => c.stage))].sort((a, b) => a - b);
  return h('div', { class: 'stages' }, stages.map(stage => {
    const rows = chunks.filter(c => c.stage === stage);
    const split = rows.filter(c => c.split).length;
    return h('details', { 'data-stage': stage },
      h('summary', {}, `Stage ${stage}: ${rows.length} chunk${rows.length === 1 ? '' : 's'}, ${split} split`),
      h('table', {}, h('thead', {}, h('tr', {}, ['Units', 'Text', 'Score', 'Split'].map(t => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, rows.map(c => {
          const score = h('td', { class: 'num' }, num(c.score));
          paint(score, c.score, limit);
          const text = result.units.slice(c.start, c.end).map(u => u.text).join(' ');
          return h('tr', {}, h('td', {}, `${c.start}–${c.end - 1}`), h('td', { class: 'chunk-text' }, text), score, h('td', {}, c.split ? 'yes' : 'no'));
        }))));
  }));
}
