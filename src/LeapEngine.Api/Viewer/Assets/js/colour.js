// One zero-centred diverging scale for every attribution value: ColorBrewer's RdBu (11 classes), marked safe for
// colour-blind readers. Red: the unit supported the completion (perturbing it lowered the log-probability);
// blue: it worked against it; near white: no effect. The scale is symmetric around 0 so equal magnitudes get
// equally strong colours whatever their sign.
import { h, num } from './dom.js';

const RDBU = ['#053061', '#2166ac', '#4393c3', '#92c5de', '#d1e5f0', '#f7f7f7', '#fddbc7', '#f4a582', '#d6604d', '#b2182b', '#67001f'];
const STOPS = RDBU.map(hex => [1, 3, 5].map(i => parseInt(hex.slice(i, i + 2), 16)));

/** The colour of value on a scale reaching ±limit, as [r, g, b]. */
export function rgb(value, limit) {
  const t = limit > 0 ? Math.max(-1, Math.min(1, value / limit)) : 0;
  const position = (t + 1) / 2 * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(position));
  const f = position - i;
  return STOPS[i].map((c, k) => Math.round(c + (STOPS[i + 1][k] - c) * f));
}

const hex = c => '#' + c.map(v => v.toString(16).padStart(2, '0')).join('');

function luminance([r, g, b]) {
  const lin = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** Background and the text colour (black or white) with the higher WCAG contrast on it (always at least 4.58:1). */
export function swatch(value, limit) {
  const background = rgb(value, limit);
  const l = luminance(background);
  const onBlack = (l + 0.05) / 0.05, onWhite = 1.05 / (l + 0.05);
  return { background: hex(background), color: onBlack >= onWhite ? '#000000' : '#ffffff' };
}

/** Colours an element for value. */
export function paint(el, value, limit) {
  const { background, color } = swatch(value, limit);
  el.style.backgroundColor = background;
  el.style.color = color;
}

/** The symmetric limit of a set of values: their largest magnitude (1 when all are 0, so nothing divides by 0). */
export function limitOf(values) {
  const m = Math.max(0, ...values.map(v => Math.abs(v)).filter(Number.isFinite));
  return m > 0 ? m : 1;
}

/** A legend for the scale: the gradient with −limit, 0 and +limit labelled, and what the colours mean. */
export function legend(limit, what) {
  const bar = h('div', { class: 'legend-bar', 'aria-hidden': 'true' });
  return h('figure', { class: 'legend' },
    bar,
    h('div', { class: 'legend-labels' },
      h('span', { 'data-legend': 'min' }, num(-limit)), h('span', {}, '0'), h('span', { 'data-legend': 'max' }, num(limit))),
    h('figcaption', {}, what));
}

export const GRADIENT_STOPS = RDBU;
