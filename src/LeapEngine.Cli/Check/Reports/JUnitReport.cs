using System.Globalization;
using System.Xml.Linq;

namespace LeapEngine.Cli.Check.Reports;

/// <summary>
/// --junit FILE: the common JUnit XML that CI test tabs read (GitLab's junit report, Jenkins, the GitHub test-report
/// actions). One &lt;testsuite&gt; per case, one &lt;testcase&gt; per assertion or baseline figure, a &lt;failure&gt; or
/// &lt;skipped&gt; child when it did not pass. Only the elements and attributes of the widely used Jenkins junit-10 schema
/// are written (so no file/line attributes on testcases: the config location is in the failure text).
/// </summary>
public static class JUnitReport
{
    public static XDocument Build(CheckReport report)
    {
        var config = Path.GetFileName(report.Config.Path);
        var suites = new XElement("testsuites",
            new XAttribute("name", $"leap check {config}"),
            new XAttribute("tests", report.All.Count()),
            new XAttribute("failures", report.FailedCount),
            new XAttribute("errors", 0),
            new XAttribute("time", Seconds(report.Elapsed)));
        var timestamp = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        int id = 0;
        foreach (var c in report.Cases)
        {
            var suite = new XElement("testsuite",
                new XAttribute("name", $"{config}: {c.Case.Name}"),
                new XAttribute("tests", c.Outcomes.Count),
                new XAttribute("failures", c.Outcomes.Count(o => o.Verdict == Verdict.Failed)),
                new XAttribute("errors", 0),
                new XAttribute("skipped", c.Outcomes.Count(o => o.Verdict == Verdict.Skipped)),
                new XAttribute("time", Seconds(c.Elapsed)),
                new XAttribute("timestamp", timestamp),
                new XAttribute("id", id++),
                new XAttribute("file", report.Config.Path),
                new XElement("properties",
                    new XElement("property", new XAttribute("name", "source"), new XAttribute("value", report.Source)),
                    BlackBox(c),
                    c.Completions.Select((text, i) => new XElement("property",
                        new XAttribute("name", c.Completions.Count == 1 ? "completion" : $"completion {i + 1}"), new XAttribute("value", text)))));
            // The case's time is shared by its assertions: they are judged on the same measurements.
            var each = c.Outcomes.Count == 0 ? TimeSpan.Zero : c.Elapsed / c.Outcomes.Count;
            foreach (var o in c.Outcomes)
            {
                var testcase = new XElement("testcase",
                    new XAttribute("name", o.Name),
                    new XAttribute("classname", $"{Path.GetFileNameWithoutExtension(config)}.{c.Case.Name}"),
                    new XAttribute("time", Seconds(each)));
                if (o.Verdict == Verdict.Failed)
                    testcase.Add(new XElement("failure", new XAttribute("message", o.Message),
                        new XAttribute("type", o.IsDrift ? "drift" : "assertion"), $"{o.At}: {o.Message}"));
                else if (o.Verdict == Verdict.Skipped)
                    testcase.Add(new XElement("skipped", new XAttribute("message", o.Message)));
                else
                    testcase.Add(new XElement("system-out", o.Message));
                suite.Add(testcase);
            }
            suites.Add(suite);
        }
        return new XDocument(new XDeclaration("1.0", "utf-8", null), suites);
    }

    /// <summary>An endpoint target's scoring mode and calls: a figure scored by regenerating (or by text similarity)
    /// is read differently from a teacher-forced one, so a test tab shows how each case was scored.</summary>
    private static IEnumerable<XElement> BlackBox(CaseOutcome c)
    {
        if (c.ScoringMode is { } mode)
            yield return new XElement("property", new XAttribute("name", "scoring_mode"), new XAttribute("value", mode));
        if (c.EndpointCalls is { } calls)
            yield return new XElement("property", new XAttribute("name", "endpoint_calls"), new XAttribute("value", calls));
    }

    public static void Write(CheckReport report, string path)
    {
        using var stream = File.Create(path);
        Build(report).Save(stream);
    }

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture);
}
