namespace LeapEngine.Cli.Check.Reports;

/// <summary>The readable result on stdout: each case's completion and verdicts, then the totals and what the exit code means.</summary>
public static class TerminalSummary
{
    public static void Write(CheckReport report, TextWriter o)
    {
        var s = report.Config.Settings;
        o.WriteLine($"leap check {report.Config.Path}: {report.Source} ({s.Method}, unit {s.Unit}, perturbation {s.Perturbation}, " +
                    $"{s.Repeats} repeat{(s.Repeats == 1 ? "" : "s")})");
        if (report.ScoringMode is { } mode)
            o.WriteLine($"black-box: scoring {mode} (asked: {s.Scoring}), {report.EndpointCalls} endpoint calls");
        foreach (var c in report.Cases)
        {
            o.WriteLine();
            o.WriteLine($"{c.Case.Name}: \"{Line(c.Completions[0])}\"{(c.Completions.Distinct().Count() > 1 ? $" (+{c.Completions.Distinct().Count() - 1} other completions)" : "")}");
            foreach (var a in c.Outcomes)
            {
                var mark = a.Verdict switch { Verdict.Passed => "PASS", Verdict.Failed => "FAIL", _ => "SKIP" };
                o.WriteLine($"  {mark}  {a.Name}: {a.Message}{(a.Failed ? $"  [{a.At}]" : "")}");
            }
        }
        o.WriteLine();
        o.WriteLine($"baseline: {report.BaselineNote}");
        o.WriteLine($"{report.PassedCount} passed, {report.FailedCount} failed, {report.SkippedCount} skipped in {report.Elapsed.TotalSeconds:0.0} s: " +
                    (report.Passed ? "PASSED" : "FAILED (exit 1)"));
    }

    private static string Line(string s) => s.Replace("\n", "\\n");
}
