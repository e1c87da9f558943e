using System.Text.Json;
using System.Text.Json.Nodes;

namespace LeapEngine.Cli.Check.Reports;

/// <summary>
/// --sarif FILE: SARIF 2.1.0 (code scanning uploads, IDE viewers): one result per failed assertion or drifted figure, at
/// the config line (or the system-prompt span) it concerns; passed ones are not results.
/// </summary>
public static class SarifReport
{
    public const string Schema = "https://json.schemastore.org/sarif-2.1.0.json";

    private static JsonObject Results(CheckReport report) => new()
    {
        ["$schema"] = Schema,
        ["version"] = "2.1.0",
        ["runs"] = new JsonArray(new JsonObject
        {
            ["tool"] = new JsonObject
            {
                ["driver"] = new JsonObject
                {
                    ["name"] = "leap check",
                    ["version"] = typeof(SarifReport).Assembly.GetName().Version?.ToString(3) ?? "0.0.0",
                    ["rules"] = new JsonArray(
                        Rule("assertion", "An assertion of a leap check case failed"),
                        Rule("drift", "A figure moved from its baseline by more than its tolerance band")),
                },
            },
            ["results"] = new JsonArray(report.All.Where(o => o.Failed).Select(o => (JsonNode)new JsonObject
            {
                ["ruleId"] = o.IsDrift ? "drift" : "assertion",
                ["level"] = "error",
                ["message"] = new JsonObject { ["text"] = $"{o.Case}: {o.Message}" },
                ["locations"] = new JsonArray(new JsonObject
                {
                    ["physicalLocation"] = new JsonObject
                    {
                        ["artifactLocation"] = new JsonObject { ["uri"] = Paths.ForCi(o.At.File) },
                        ["region"] = new JsonObject { ["startLine"] = o.At.Line, ["startColumn"] = o.At.Column },
                    },
                }),
            }).ToArray()),
        }),
    };

    public static JsonObject Build(CheckReport report)
    {
        var sarif = Results(report);
        // SARIF's property bag on the run: how an endpoint target's figures were scored, and the calls it took.
        if (report.ScoringMode is { } mode)
            sarif["runs"]![0]!["properties"] = new JsonObject { ["scoring_mode"] = mode, ["endpoint_calls"] = report.EndpointCalls };
        return sarif;
    }

    private static JsonObject Rule(string id, string text) => new() { ["id"] = id, ["shortDescription"] = new JsonObject { ["text"] = text } };

    public static void Write(CheckReport report, string path) =>
        File.WriteAllText(path, Build(report).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
}
