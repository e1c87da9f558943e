// DOM helpers. Every piece of text goes in as a text node (never parsed as HTML), so a prompt containing
// "<script>" or "<img onerror>" shows literally. Attributes are set one by one; no style attribute is ever set
// from markup (the page's CSP forbids it): colours go through element.style (the CSSOM), which CSP allows.

const SVG_NS = 'http://www.w3.org/2000/svg';

function build(el, attrs, children) {
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'class') el.setAttribute('class', value);
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name === 'style') throw new Error('set styles through element.style, not the style attribute');
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** An HTML element: h('td', {class: 'x'}, 'text', otherNode). */
export const h = (tag, attrs, ...children) => build(document.createElement(tag), attrs, children);

/** An SVG element. */
export const svg = (tag, attrs, ...children) => build(document.createElementNS(SVG_NS, tag), attrs, children);

/** A number as people read it: fixed decimals, a true minus sign, "—" for none. */
export function num(value, digits = 3) {
  if (value === undefined || value === null || Number.isNaN(value)) return '—';
  if (typeof value !== 'number') return String(value);
  return value.toFixed(digits).replace('-', '−');
}

/** Unix seconds as a local date and time. */
export function when(seconds) {
  return seconds ? new Date(seconds * 1000).toLocaleString() : '—';
}

/** A definition list from [term, value] pairs (values may be nodes). */
export function facts(pairs, label) {
  return h('dl', { class: 'facts', 'aria-label': label },
    pairs.filter(p => p[1] !== undefined && p[1] !== null).map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]));
}

/** A section with a heading. */
export function section(title, ...children) {
  const id = 'sec-' + title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return h('section', { 'aria-labelledby': id }, h('h2', { id }, title), ...children);
}

/** An internal link, routed on the page (no reload). */
export const link = (href, ...children) => h('a', { href, 'data-link': true }, ...children);

/** Triggers a download of text content as a file. */
export function download(filename, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
