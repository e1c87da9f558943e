using System.Net;
using System.Text;
using LeapEngine.Core.Attribution;

namespace LeapEngine.Cli.Attribution;

/// <summary>A self-contained HTML page: heatmap of each segment and the unit x output-token matrix.</summary>
public static class HtmlReport
{
    public static string Render(AttributionResult r)
    {
        static string E(string s) => WebUtility.HtmlEncode(s);
        double maxAbs = r.Units.Count == 0 ? 0 : r.Units.Max(u => Math.Abs(u.Score));
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>LeapEngine attribution</title><style>")
          .Append("body{font-family:sans-serif;margin:2em;max-width:70em}.text{white-space:pre-wrap;font-family:monospace;border:1px solid #ccc;padding:1em}")
          .Append(".u{border-radius:3px}table{border-collapse:collapse;font-family:monospace;font-size:12px}td,th{border:1px solid #ddd;padding:2px 4px;text-align:right}")
          .Append("th{background:#f4f4f4}td.l{text-align:left}</style></head><body>");
        sb.Append($"<h1>Attribution</h1><p>model <b>{E(r.ModelId)}</b> · {E(r.Method)} · unit {E(r.Unit)} · perturbation {E(r.Perturbation)} · template {E(r.Template)}</p>");
        sb.Append($"<p>completion{(r.CompletionGenerated ? " (greedy)" : "")}: <code>{E(r.CompletionText)}</code> — log-prob {r.CompletionLogProb:F3}</p>");
        sb.Append("<p>red: the unit supports the completion (removing it lowers the completion's log-probability); blue: it works against it. Hover for scores.</p>");
        foreach (var s in r.Segments)
        {
            sb.Append($"<h2>{E(s.Segment)}</h2><p>total {s.Score:+0.000;-0.000} · {s.Share:P1} of |attribution|</p><div class=\"text\">");
            int at = 0;
            foreach (var u in r.Units.Where(u => u.Segment == s.Segment && u.Length > 0).OrderBy(u => u.Start))
            {
                if (u.Start < at) continue;
                sb.Append(E(s.Text[at..u.Start]));
                sb.Append($"<span class=\"u\" style=\"background:{HeatColor.Css(u.Score, maxAbs)}\" title=\"unit {u.Index}: {u.Score:+0.0000;-0.0000}\">")
                  .Append(E(s.Text.Substring(u.Start, u.Length))).Append("</span>");
                at = u.Start + u.Length;
            }
            sb.Append(E(s.Text[at..])).Append("</div>");
        }
        if (r.SystemPrompt is { } sys)
            sb.Append($"<h2>System prompt influence</h2><p>log-prob drop when the system turn is removed: <b>{sys.LogProbDrop:+0.000;-0.000}</b>; ")
              .Append($"share of |attribution|: <b>{sys.AttributionShare:P1}</b></p>");
        if (r.Faithfulness is { } f)
            sb.Append($"<h2>Faithfulness</h2><p>deletion AUC {f.DeletionAuc:F3} (lower is better), insertion AUC {f.InsertionAuc:F3} (higher is better)</p>");

        double cellMax = r.Units.SelectMany(u => u.OutputTokenScores).Select(Math.Abs).DefaultIfEmpty(0).Max();
        sb.Append("<h2>Unit × output token (log-prob drop)</h2><table><tr><th>unit</th><th>total</th>");
        foreach (var t in r.CompletionTokens) sb.Append($"<th>{E(t)}</th>");
        sb.Append("</tr>");
        foreach (var u in r.Units)
        {
            sb.Append($"<tr><td class=\"l\">{E(u.Segment)}: {E(u.Text)}</td><td style=\"background:{HeatColor.Css(u.Score, maxAbs)}\">{u.Score:F3}</td>");
            foreach (var v in u.OutputTokenScores) sb.Append($"<td style=\"background:{HeatColor.Css(v, cellMax)}\">{v:F3}</td>");
            sb.Append("</tr>");
        }
        sb.Append($"</table><p>{r.Evaluations} evaluations for the attribution, {r.TotalEvaluations} in all.</p></body></html>");
        return sb.ToString();
    }
}
