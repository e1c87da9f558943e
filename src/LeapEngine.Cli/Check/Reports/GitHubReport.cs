using System.Text;

namespace LeapEngine.Cli.Check.Reports;

/// <summary>
/// Under GitHub Actions (GITHUB_ACTIONS=true): an <c>::error file=…,line=…::</c> workflow command per failure — GitHub
/// shows it on that line of the config (or of the system-prompt file, for a span) in the run and the pull request — and a
/// markdown table appended to $GITHUB_STEP_SUMMARY, the job's summary page.
/// </summary>
public static class GitHubReport
{
    public static bool Enabled => Environment.GetEnvironmentVariable("GITHUB_ACTIONS") == "true";

    /// <summary>The workflow commands, one per failed verdict (GitHub reads them from stdout).</summary>
    public static IEnumerable<string> Annotations(CheckReport report) =>
        report.All.Where(o => o.Failed).Select(o => Error(o.At, $"leap check: {o.Case}: {o.Name}", o.Message));

    /// <summary>One <c>::error</c> workflow command at <paramref name="at"/>.</summary>
    public static string Error(SourceLocation at, string title, string message) =>
        $"::error file={Property(Paths.ForCi(at.File))},line={at.Line},col={at.Column},title={Property(title)}::{Data(message)}";

    public static string StepSummary(CheckReport report)
    {
        var md = new StringBuilder();
        md.AppendLine($"### leap check `{Path.GetFileName(report.Config.Path)}`: {(report.Passed ? "passed" : "failed")}");
        md.AppendLine();
        md.AppendLine($"{report.PassedCount} passed, {report.FailedCount} failed, {report.SkippedCount} skipped — {Cell(report.Source)}; baseline: {Cell(report.BaselineNote)}");
        if (report.ScoringMode is { } mode)
        {
            md.AppendLine();
            md.AppendLine($"black-box: scoring {Cell(mode)}, {report.EndpointCalls} endpoint calls");
        }
        md.AppendLine();
        md.AppendLine("| case | check | result | details |");
        md.AppendLine("| --- | --- | --- | --- |");
        foreach (var o in report.All)
        {
            var verdict = o.Verdict switch { Verdict.Passed => "✅ pass", Verdict.Failed => "❌ fail", _ => "⚪ skip" };
            md.AppendLine($"| {Cell(o.Case)} | {Cell(o.Name)} | {verdict} | {Cell(o.Message)} |");
        }
        return md.AppendLine().ToString();
    }

    public static void Write(CheckReport report, TextWriter stdout)
    {
        foreach (var line in Annotations(report)) stdout.WriteLine(line);
        var summary = Environment.GetEnvironmentVariable("GITHUB_STEP_SUMMARY");
        if (!string.IsNullOrWhiteSpace(summary)) File.AppendAllText(summary, StepSummary(report));
    }

    /// <summary>A workflow command's message: %, CR and LF escaped (GitHub's toolkit rules).</summary>
    public static string Data(string s) => s.Replace("%", "%25").Replace("\r", "%0D").Replace("\n", "%0A");

    /// <summary>A workflow command's property value: also ':' and ',' escaped.</summary>
    public static string Property(string s) => Data(s).Replace(":", "%3A").Replace(",", "%2C");

    /// <summary>A markdown table cell: one line, pipes escaped.</summary>
    private static string Cell(string s) => s.Replace("\r", "").Replace("\n", " ").Replace("|", "\\|");
}
