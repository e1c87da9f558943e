using System.Text.Json.Nodes;
using System.Xml.Linq;
using LeapEngine.Cli;
using LeapEngine.Cli.Check;
using LeapEngine.Cli.Check.Reports;

namespace LeapEngine.Cli.Tests.Check;

/// <summary>
/// What pipelines read, from one scripted check (a pass, a failure in the config, a failure of a span that points into
/// the system-prompt file, a skipped drift): JUnit with one testcase per verdict in the common schema, GitHub annotations
/// at the right lines with GitHub's escaping, the step summary table, SARIF 2.1.0 results, the JSON report.
/// </summary>
[Collection(nameof(ConsoleCollection))]
public sealed class ReportTests : IDisposable
{
    private readonly TempConfig _dir = new();

    public void Dispose() => _dir.Dispose();

    private async Task<CheckReport> ReportAsync(string? scoringMode = null)
    {
        File.WriteAllText(_dir.Path("system.txt"), "You are terse.\nYou love dragons, 100%.\n");
        var config = CheckConfigReader.Load(_dir.Write("""
            model: stories260K
            system_prompt_file: system.txt
            spans: {dragons: "love dragons"}
            cases:
              - name: calm
                user: Hello
                assert:
                  - attribution_share: {max: 0.5}
              - name: "dragon, again"
                user: Tell me a story
                assert:
                  - attribution_share: {max: 0.5}
                  - span_share: {span: dragons, max: 0.1}
            """));
        CaseRun Scored(CaseRun run) => scoringMode is null ? run : run with { ScoringMode = scoringMode, EndpointCalls = 21 };
        var runner = new FakeRunner(new()
        {
            ["calm"] = [Scored(FakeRunner.Measured(0.1, 0.2))],
            ["dragon, again"] = [Scored(FakeRunner.Measured(3.0, 0.8, " a dragon:\nroar"))],
        });
        var baseline = new Baseline("stories260K", config.Settings, "", new Dictionary<string, BaselineCase>(), scoringMode);
        return await new CheckRun(config, runner, new StatusLine(TextWriter.Null, false), TextWriter.Null).RunAsync(baseline, "compared", default);
    }

    [Fact]
    public async Task JUnit_has_one_testcase_per_verdict_in_the_common_schema()
    {
        var report = await ReportAsync();
        var path = _dir.Path("junit.xml");
        JUnitReport.Write(report, path);
        var xml = XDocument.Load(path);
        JUnitSchema.AssertValid(xml);

        var cases = xml.Descendants("testcase").ToList();
        Assert.Equal(report.All.Count(), cases.Count);   // 1 + 2 assertions, 2 skipped drifts
        Assert.Equal(["attribution_share ≤ 0.5", "drift from baseline", "attribution_share ≤ 0.5", "span_share:dragons ≤ 0.1", "drift from baseline"],
            cases.Select(c => c.Attribute("name")!.Value));
        Assert.Equal("5", xml.Root!.Attribute("tests")!.Value);
        Assert.Equal("2", xml.Root.Attribute("failures")!.Value);
        var suites = xml.Descendants("testsuite").ToList();
        Assert.Equal(["leap.yaml: calm", "leap.yaml: dragon, again"], suites.Select(s => s.Attribute("name")!.Value));
        Assert.Equal(["0", "2"], suites.Select(s => s.Attribute("failures")!.Value));
        Assert.Equal(["1", "1"], suites.Select(s => s.Attribute("skipped")!.Value));
        var failure = cases[3].Element("failure")!;
        Assert.Equal("span_share:dragons = 0.8 is above max 0.1", failure.Attribute("message")!.Value);
        Assert.StartsWith($"{_dir.Path("system.txt")}:2:5: ", failure.Value);
        Assert.Equal(" a dragon:\nroar", suites[1].Descendants("property").Single(p => p.Attribute("name")!.Value == "completion").Attribute("value")!.Value);
    }

    [Fact]
    public async Task GitHub_gets_an_error_annotation_per_failure_at_its_line_and_a_summary_table()
    {
        var report = await ReportAsync();
        var workspace = Environment.GetEnvironmentVariable("GITHUB_WORKSPACE");
        try
        {
            Environment.SetEnvironmentVariable("GITHUB_WORKSPACE", _dir.Dir);
            var annotations = GitHubReport.Annotations(report).ToList();
            Assert.Equal(
            [
                "::error file=leap.yaml,line=12,col=9,title=leap check%3A dragon%2C again%3A attribution_share ≤ 0.5::attribution_share = 0.8 is above max 0.5",
                "::error file=system.txt,line=2,col=5,title=leap check%3A dragon%2C again%3A span_share:dragons ≤ 0.1::span_share:dragons = 0.8 is above max 0.1"
                    .Replace("span_share:dragons ≤", "span_share%3Adragons ≤"),
            ], annotations);
        }
        finally
        {
            Environment.SetEnvironmentVariable("GITHUB_WORKSPACE", workspace);
        }
        var summary = GitHubReport.StepSummary(report);
        Assert.Contains("### leap check `leap.yaml`: failed", summary);
        Assert.Contains("1 passed, 2 failed, 2 skipped", summary);
        Assert.Contains("| dragon, again | span_share:dragons ≤ 0.1 | ❌ fail | span_share:dragons = 0.8 is above max 0.1 |", summary);
        Assert.Equal(5, summary.Split('\n').Count(l => l.StartsWith("| ") && !l.StartsWith("| case") && !l.StartsWith("| ---")));
        Assert.Equal("a%25b%0Ac%0Dd", GitHubReport.Data("a%b\nc\rd"));
        Assert.Equal("x%3Ay%2Cz", GitHubReport.Property("x:y,z"));
    }

    [Fact]
    public async Task Sarif_lists_each_failure_at_its_location()
    {
        var sarif = SarifReport.Build(await ReportAsync());
        Assert.Equal("2.1.0", sarif["version"]!.GetValue<string>());
        Assert.Equal(SarifReport.Schema, sarif["$schema"]!.GetValue<string>());
        var run = sarif["runs"]!.AsArray().Single()!;
        Assert.Equal("leap check", run["tool"]!["driver"]!["name"]!.GetValue<string>());
        var results = run["results"]!.AsArray();
        Assert.Equal(2, results.Count);
        var region = results[1]!["locations"]![0]!["physicalLocation"]!;
        Assert.EndsWith("system.txt", region["artifactLocation"]!["uri"]!.GetValue<string>());
        Assert.Equal(2, region["region"]!["startLine"]!.GetValue<int>());
        Assert.All(results, r => Assert.Equal("assertion", r!["ruleId"]!.GetValue<string>()));
        Assert.All(results, r => Assert.Contains(r!["ruleId"]!.GetValue<string>(),
            run["tool"]!["driver"]!["rules"]!.AsArray().Select(x => x!["id"]!.GetValue<string>())));
    }

    [Fact]
    public async Task Every_report_says_how_an_endpoint_target_was_scored_and_a_model_target_says_nothing_of_it()
    {
        // The invariant: a figure scored by regenerating (or by text similarity) reads differently from a teacher-forced
        // one, so every report a pipeline keeps says which it was, not only the terminal and --json.
        var report = await ReportAsync("regenerate_top_logprobs");
        var path = _dir.Path("junit.xml");
        JUnitReport.Write(report, path);
        var xml = XDocument.Load(path);
        JUnitSchema.AssertValid(xml);
        foreach (var suite in xml.Descendants("testsuite"))
        {
            var properties = suite.Descendants("property").ToDictionary(p => p.Attribute("name")!.Value, p => p.Attribute("value")!.Value);
            Assert.Equal("regenerate_top_logprobs", properties["scoring_mode"]);
            Assert.Equal("21", properties["endpoint_calls"]);
        }
        Assert.Contains("black-box: scoring regenerate_top_logprobs, 42 endpoint calls", GitHubReport.StepSummary(report));
        var run = SarifReport.Build(report)["runs"]![0]!;
        Assert.Equal("regenerate_top_logprobs", run["properties"]!["scoring_mode"]!.GetValue<string>());
        Assert.Equal(42, run["properties"]!["endpoint_calls"]!.GetValue<long>());

        var white = await ReportAsync();
        JUnitReport.Write(white, path);
        Assert.DoesNotContain(XDocument.Load(path).Descendants("property"), p => p.Attribute("name")!.Value is "scoring_mode" or "endpoint_calls");
        Assert.DoesNotContain("black-box", GitHubReport.StepSummary(white));
        Assert.Null(SarifReport.Build(white)["runs"]![0]!["properties"]);
    }

    [Fact]
    public async Task The_json_report_holds_every_figure_and_verdict_in_snake_case()
    {
        var json = JsonReport.Build(await ReportAsync(), 1);
        DialectTests.AssertSnakeCase(json);
        Assert.False(json["passed"]!.GetValue<bool>());
        Assert.Equal(1, json["exit_code"]!.GetValue<int>());
        var second = json["cases"]![1]!;
        var figures = second["figures"]!.AsArray().Select(f => f!.AsObject()).ToList();
        Assert.Equal(["attribution_share", "log_prob_drop", "span_share", "visible_share"], figures.Select(f => f["name"]!.GetValue<string>()));
        Assert.Equal(0.8, figures[0]["mean"]!.GetValue<double>());
        Assert.Equal(3.0, figures[1]["mean"]!.GetValue<double>());
        Assert.Equal("dragons", figures[2]["span"]!.GetValue<string>());
        Assert.Equal(0.8, figures[2]["mean"]!.GetValue<double>(), 12);   // the fake's one system unit covers the span: all the system share
        Assert.Equal(0.2, figures[3]["mean"]!.GetValue<double>(), 12);
        Assert.Equal(["failed", "failed", "skipped"], second["assertions"]!.AsArray().Select(a => a!["verdict"]!.GetValue<string>()));
    }
}
