// The prompt as a heatmap: each unit's characters coloured by its value on the zero-centred scale, with the exact
// value on hover and on keyboard focus. The values shown are the units' totals, or one output token's row of the
// unit x output matrix once that token is chosen.
import { h, num } from '../dom.js';
import { paint, limitOf, legend } from '../colour.js';

/** Value of a unit under the selection (null: the total over the completion). */
export const valueOf = (unit, selected) => selected === null ? unit.score : unit.output_token_scores[selected];

function tooltipFor(span, text) {
  const tip = document.getElementById('tooltip');
  const show = () => {
    tip.textContent = text();
    tip.hidden = false;
    const box = span.getBoundingClientRect();
    tip.style.left = `${window.scrollX + box.left}px`;
    tip.style.top = `${window.scrollY + box.bottom + 6}px`;
    span.setAttribute('aria-describedby', 'tooltip');
  };
  const hide = () => { tip.hidden = true; span.removeAttribute('aria-describedby'); };
  span.addEventListener('mouseenter', show);
  span.addEventListener('focus', show);
  span.addEventListener('mouseleave', hide);
  span.addEventListener('blur', hide);
  span.addEventListener('keydown', e => { if (e.key === 'Escape') hide(); });
}

/** Returns { element, update(selected) }. */
export function heatmap(result) {
  const spans = [];
  const segments = result.segments?.length ? result.segments : [{ segment: result.units[0]?.segment ?? 'prompt', text: result.prompt_text }];
  const blocks = segments.map(segment => {
    const units = result.units.filter(u => u.segment === segment.segment).sort((a, b) => a.start - b.start);
    const text = h('p', { class: 'heat-text' });
    let at = 0;
    for (const unit of units) {
      if (unit.start > at) text.append(segment.text.slice(at, unit.start));
      const span = h('span', { class: 'unit', tabindex: 0, 'data-unit': unit.index }, segment.text.slice(unit.start, unit.start + unit.length));
      spans.push([span, unit]);
      text.append(span);
      at = Math.max(at, unit.start + unit.length);
    }
    if (at < segment.text.length) text.append(segment.text.slice(at));
    return h('div', { class: 'heat-segment', 'data-segment': segment.segment }, h('h3', {}, segment.segment), text);
  });
  const legendHolder = h('div');
  const caption = h('p', { class: 'muted', 'data-heatmap-showing': true });
  let current = null;
  for (const [span, unit] of spans) {
    tooltipFor(span, () => `${unit.text} — ${current === null ? 'total' : `output token ${current + 1} (${JSON.stringify(result.completion_tokens[current])})`}: ` +
      `${valueOf(unit, current)} (drop in log-probability when perturbed)`);
  }

  function update(selected) {
    current = selected;
    const limit = limitOf(result.units.map(u => valueOf(u, selected)));
    for (const [span, unit] of spans) {
      const value = valueOf(unit, selected);
      span.dataset.value = String(value);
      paint(span, value, limit);
    }
    caption.textContent = selected === null
      ? 'Showing each unit\u2019s total effect on the whole completion.'
      : `Showing each unit\u2019s effect on output token ${selected + 1}, ${JSON.stringify(result.completion_tokens[selected])}.`;
    legendHolder.replaceChildren(legend(limit, 'Drop in the completion\u2019s log-probability (nats) when the unit is perturbed: ' +
      'red supported the completion, blue worked against it.'));
  }
  update(null);
  return { element: h('div', { class: 'heatmap' }, caption, blocks, legendHolder), update };
}
