// Exports of an attribution result: the API's JSON as it is, a CSV of the unit x output matrix, and a self-contained
// HTML page (no script, no external file) with the heatmap, its legend and the segment totals.
import { swatch, limitOf, GRADIENT_STOPS } from '../colour.js';

/** RFC 4180 field: quoted when it holds a comma, quote or line break; formula-leading text defused for spreadsheets. */
export function csvField(value) {
  let text = value === null || value === undefined ? '' : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = "'" + text;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(result) {
  const header = ['index', 'segment', 'text', 'start', 'length', 'score', 'probability_drop',
    ...result.completion_tokens.map((t, j) => `token_${j + 1}:${t}`)];
  const rows = result.units.map(u => [u.index, u.segment, u.text, u.start, u.length, u.score, u.probability_drop, ...u.output_token_scores]);
  return [header, ...rows].map(r => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

const escapeHtml = text => String(text).replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

export function toHtml(result, jobId) {
  const limit = limitOf(result.units.map(u => u.score));
  const segments = result.segments.map(segment => {
    const units = result.units.filter(u => u.segment === segment.segment).sort((a, b) => a.start - b.start);
    let at = 0, out = '';
    for (const u of units) {
      if (u.start > at) out += escapeHtml(segment.text.slice(at, u.start));
      const { background, color } = swatch(u.score, limit);
      out += `<span class="u" style="background:${background};color:${color}" title="${escapeHtml(`${u.text}: ${u.score}`)}">` +
        `${escapeHtml(segment.text.slice(u.start, u.start + u.length))}</span>`;
      at = Math.max(at, u.start + u.length);
    }
    out += escapeHtml(segment.text.slice(at));
    return `<h2>${escapeHtml(segment.segment)}</h2><p class="t">${out}</p>`;
  }).join('\n');
  const totals = result.segments.map(s => `<tr><td>${escapeHtml(s.segment)}</td><td>${s.score.toFixed(4)}</td><td>${(s.share * 100).toFixed(1)}%</td></tr>`).join('');
  const system = result.system_prompt ? `<p>System prompt: log-probability drop ${result.system_prompt.log_prob_drop.toFixed(4)} nats, ` +
    `attribution share ${(result.system_prompt.attribution_share * 100).toFixed(1)}%.</p>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Attribution ${escapeHtml(jobId)}</title>
<style>body{font:16px/1.6 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111}
.t{white-space:pre-wrap;font-family:ui-monospace,monospace}.u{border-radius:3px;padding:0 1px}
.bar{height:14px;background:linear-gradient(to right,${GRADIENT_STOPS.join(',')});border:1px solid #777}
.lab{display:flex;justify-content:space-between}td,th{padding:2px 8px;text-align:left}</style></head>
<body><h1>Attribution ${escapeHtml(jobId)}</h1>
<p>Model ${escapeHtml(result.model_id)}, method ${escapeHtml(result.method)}, unit ${escapeHtml(result.unit)}, perturbation ${escapeHtml(result.perturbation)}.</p>
<p>Completion: <code>${escapeHtml(result.completion_text)}</code> (log-probability ${result.completion_log_prob.toFixed(4)})</p>
${segments}
<div class="bar"></div><div class="lab"><span>${(-limit).toFixed(3)}</span><span>0</span><span>${limit.toFixed(3)}</span></div>
<p>Drop in the completion's log-probability (nats) when the unit is perturbed: red supported the completion, blue worked against it.</p>
<table><tr><th>segment</th><th>score</th><th>share</th></tr>${totals}</table>${system}
</body></html>
`;
}
