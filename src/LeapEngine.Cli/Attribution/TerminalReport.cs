using System.Text;
using LeapEngine.Core.Attribution;

namespace LeapEngine.Cli.Attribution;

/// <summary>Prints an attribution: completion, a colour heatmap of each segment, totals and cost.</summary>
public static class TerminalReport
{
    public static void Write(AttributionResult r, TextWriter output, bool color)
    {
        output.WriteLine($"model {r.ModelId} · {r.Method} · unit {r.Unit} · perturb {r.Perturbation} · template {r.Template}");
        output.WriteLine($"completion{(r.CompletionGenerated ? " (greedy)" : "")}: {Quote(r.CompletionText)}  " +
                         $"[{r.CompletionIds.Length} tokens, log-prob {r.CompletionLogProb:F3}]");
        output.WriteLine();
        double maxAbs = r.Units.Count == 0 ? 0 : r.Units.Max(u => Math.Abs(u.Score));
        foreach (var segment in r.Segments)
        {
            output.WriteLine($"── {segment.Segment} ──");
            output.WriteLine(Heatmap(segment.Text, r.Units.Where(u => u.Segment == segment.Segment).ToList(), maxAbs, color));
            output.WriteLine();
        }
        output.WriteLine(color ? "scale: red = supports the completion, blue = works against it; strongest |score| "
                                 + $"{maxAbs:F3}" : "scale: [unit score] = log-prob drop when the unit is perturbed");
        output.WriteLine();
        output.WriteLine("top units (log-prob drop when perturbed):");
        foreach (var u in r.Units.OrderByDescending(u => Math.Abs(u.Score)).Take(10))
            output.WriteLine($"  {u.Score,9:+0.000;-0.000}  {u.Segment}[{u.Start}..{u.Start + u.Length})  {Quote(u.Text)}");
        output.WriteLine();
        output.WriteLine("segments:");
        foreach (var s in r.Segments)
            output.WriteLine($"  {s.Segment,-10} total {s.Score,9:+0.000;-0.000}   share of |attribution| {s.Share,7:P1}   ({s.Units} units)");
        if (r.SystemPrompt is { } sys)
            output.WriteLine($"system prompt influence: log-prob drop {sys.LogProbDrop:+0.000;-0.000} when removed " +
                             $"({r.CompletionLogProb:F3} -> {sys.LogProbWithout:F3}); {sys.AttributionShare:P1} of |attribution|");
        if (r.Faithfulness is { } f)
        {
            output.WriteLine($"faithfulness: deletion AUC {f.DeletionAuc:F3} (lower is better), insertion AUC {f.InsertionAuc:F3} (higher is better)");
            foreach (var e in f.Eraser)
                output.WriteLine($"  top {e.Fraction,4:P0} ({e.Units} units): comprehensiveness {e.Comprehensiveness:+0.000;-0.000}, sufficiency {e.Sufficiency:+0.000;-0.000}");
        }
        output.WriteLine($"evaluations: {r.Evaluations} for the attribution{(r.HipeStages is int st ? $" ({st} {(r.Hipe?.Mode == HipeMode.Pizza ? "HiPe PIZZA-mode" : "HiPe")} stages)" : "")}, " +
                         $"{r.TotalEvaluations} in all; {r.ForwardPasses} forward passes over {r.ForwardTokens} token positions ({r.EvaluationMode})");
    }

    /// <summary>The segment's text with each unit's characters coloured (or, without colour, followed by its score).</summary>
    public static string Heatmap(string text, IReadOnlyList<UnitAttribution> units, double maxAbs, bool color)
    {
        var sb = new StringBuilder();
        int at = 0;
        foreach (var u in units.OrderBy(u => u.Start))
        {
            if (u.Start < at || u.Length == 0) continue;
            sb.Append(text, at, u.Start - at);
            var piece = text.Substring(u.Start, u.Length);
            if (color)
            {
                var (r, g, b) = HeatColor.Of(u.Score, maxAbs);
                sb.Append($"\u001b[48;2;{r};{g};{b}m\u001b[38;2;0;0;0m{piece}\u001b[0m");
            }
            else sb.Append($"[{piece} {u.Score:+0.00;-0.00}]");
            at = u.Start + u.Length;
        }
        sb.Append(text, at, text.Length - at);
        return sb.ToString();
    }

    private static string Quote(string s) => "\"" + s.Replace("\n", "\\n").Replace("\t", "\\t") + "\"";
}
