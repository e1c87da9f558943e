using System.Text.Json;
using System.Text.Json.Nodes;

namespace LeapEngine.Cli.Check.Reports;

/// <summary>--json FILE: the whole check in the product's JSON dialect (snake_case), for scripts and dashboards.</summary>
public static class JsonReport
{
    public static JsonObject Build(CheckReport report, int exitCode)
    {
        var json = Common(report, exitCode);
        if (report.ScoringMode is { } mode)
        {
            // Endpoint targets: how the figures were scored and what they cost, overall and per case.
            json["scoring_mode"] = mode;
            json["endpoint_calls"] = report.EndpointCalls;
            var cases = json["cases"]!.AsArray();
            for (int i = 0; i < report.Cases.Count; i++)
            {
                cases[i]!["scoring_mode"] = report.Cases[i].ScoringMode ?? "";
                cases[i]!["endpoint_calls"] = report.Cases[i].EndpointCalls;
            }
        }
        return json;
    }

    private static JsonObject Common(CheckReport report, int exitCode) => new()
    {
        ["config"] = report.Config.Path,
        ["source"] = report.Source,
        ["passed"] = report.Passed,
        ["exit_code"] = exitCode,
        ["counts"] = new JsonObject { ["passed"] = report.PassedCount, ["failed"] = report.FailedCount, ["skipped"] = report.SkippedCount },
        ["baseline"] = report.BaselineNote,
        ["elapsed_seconds"] = Math.Round(report.Elapsed.TotalSeconds, 3),
        ["cases"] = new JsonArray(report.Cases.Select(c => (JsonNode)new JsonObject
        {
            ["name"] = c.Case.Name,
            ["passed"] = c.Outcomes.All(o => !o.Failed),
            ["completions"] = new JsonArray(c.Completions.Select(x => (JsonNode?)x).ToArray()),
            ["figures"] = FigureJson.Write(c.Figures),
            ["assertions"] = new JsonArray(c.Outcomes.Select(o => (JsonNode)Outcome(o)).ToArray()),
        }).ToArray()),
    };

    private static JsonObject Outcome(AssertionOutcome o)
    {
        var json = new JsonObject
        {
            ["name"] = o.Name,
            ["kind"] = o.IsDrift ? "drift" : "assertion",
            ["verdict"] = o.Verdict.ToString().ToLowerInvariant(),
            ["message"] = o.Message,
            ["file"] = o.At.File,
            ["line"] = o.At.Line,
        };
        if (o.Figure is not null) json["figure"] = o.Figure;
        if (o.Value is { } v) json["value"] = v;
        if (o.Min is { } min) json["min"] = min;
        if (o.Max is { } max) json["max"] = max;
        return json;
    }

    public static void Write(CheckReport report, int exitCode, string path) =>
        File.WriteAllText(path, Build(report, exitCode).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
}
