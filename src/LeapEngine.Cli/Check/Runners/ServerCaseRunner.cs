using System.Text.Json;
using System.Text.Json.Nodes;
using LeapEngine.Cli.Server;
using LeapEngine.Core.Serialization;

namespace LeapEngine.Cli.Check.Runners;

/// <summary>
/// Measures a case on a LeapEngine server: one attribution job (POST /v1/attributions, <see cref="SubmittedJob"/>). The job's result carries
/// the system-prompt figures and the units the visible and span shares are computed from.
/// </summary>
public sealed class ServerCaseRunner(CheckConfig config, string model, LeapApiClient client, StatusLine status) : ICaseRunner
{
    public string Describe => $"{client.BaseAddress} model {model}";

    public async Task<CaseRun> RunAsync(CheckCase c, CancellationToken ct)
    {
        var request = CaseRequest.ToEngine(config, c);
        var body = new JsonObject
        {
            ["model"] = model,
            ["segments"] = JsonSerializer.SerializeToNode(request.Segments, SnakeCase.Compact),
            ["template"] = request.Template,
            ["method"] = request.Method,
            ["unit"] = request.Unit,
            ["perturbation"] = request.Perturbation,
            ["max_new_tokens"] = request.MaxNewTokens,
        };
        if (request.Completion is not null) body["completion"] = request.Completion;
        var (id, result) = await SubmittedJob.RunAsync(client, status, "v1/attributions", body, $"{c.Name}: the attribution job", ct);
        return Parse(result, id);
    }

    /// <summary>The figures from an attribution job's result (the API's snake_case contract).</summary>
    public static CaseRun Parse(JsonObject result, string id)
    {
        try
        {
            var system = result["system_prompt"] as JsonObject ?? throw new ServerException($"job {id}'s result has no system_prompt figures");
            var units = (result["units"] as JsonArray ?? []).OfType<JsonObject>().Select(u => new UnitScore(
                u["segment"]!.GetValue<string>(), u["start"]!.GetValue<int>(), u["length"]!.GetValue<int>(), u["score"]!.GetValue<double>())).ToList();
            return new CaseRun(result["completion_text"]?.GetValue<string>() ?? "", system["log_prob_drop"]!.GetValue<double>(),
                system["attribution_share"]!.GetValue<double>(), units);
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException)
        {
            throw new ServerException($"job {id}'s result is not an attribution result this leap understands ({e.Message}); is the CLI older than the server?");
        }
    }

    public void Dispose() => client.Dispose();
}
