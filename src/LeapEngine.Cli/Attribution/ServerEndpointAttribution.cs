using System.Text.Json;
using System.Text.Json.Nodes;
using LeapEngine.Cli.Server;
using LeapEngine.Core.Attribution;
using LeapEngine.Core.BlackBox;
using LeapEngine.Core.Serialization;

namespace LeapEngine.Cli.Attribution;

/// <summary>
/// Black-box attribution of a tenant's registered endpoint as a job on a LeapEngine server: POST /v1/attributions with
/// <c>endpoint</c> (the server holds the endpoint's key and makes the calls, metered in endpoint calls), followed to its
/// end, and the API's result read back into the engine's result type so it prints as the local path prints it.
/// Used by <c>leap attribute --server</c> and by <c>leap check</c>'s <c>endpoint: ep_…</c> targets.
/// </summary>
public static class ServerEndpointAttribution
{
    /// <summary>The job request (the API's snake_case contract) for <paramref name="request"/> on endpoint <paramref name="endpointId"/>.</summary>
    public static JsonObject Body(string endpointId, BlackBoxAttributionRequest request)
    {
        var body = new JsonObject
        {
            ["endpoint"] = endpointId,
            ["messages"] = new JsonArray(request.Messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Content }).ToArray()),
            ["method"] = request.Method,
            ["unit"] = request.Unit,
            ["perturbation"] = request.Perturbation,
            ["scoring"] = request.Scoring,
            ["template"] = request.Template,
            ["max_new_tokens"] = request.MaxNewTokens,
            ["noise_samples"] = request.NoiseSamples,
        };
        if (request.Completion is not null) body["completion"] = request.Completion;
        if (request.Method.Equals("hipe", StringComparison.OrdinalIgnoreCase)) body["hipe"] = JsonSerializer.SerializeToNode(request.Hipe, SnakeCase.Compact);
        return body;
    }

    /// <summary>Runs the job and returns its id, the API's result as sent, and that result read into the engine's type.</summary>
    public static async Task<(string Id, JsonObject Json, BlackBoxAttributionResult Result)> RunAsync(LeapApiClient client, StatusLine status,
        string endpointId, BlackBoxAttributionRequest request, string what, CancellationToken ct)
    {
        var (id, json) = await SubmittedJob.RunAsync(client, status, "v1/attributions", Body(endpointId, request), what, ct);
        return (id, json, Read(json, id));
    }

    /// <summary>A black-box job's result (kind black_box) as the engine's result: what the printers and the check's figures read.</summary>
    public static BlackBoxAttributionResult Read(JsonObject r, string id)
    {
        try
        {
            if (r["kind"]?.GetValue<string>() != "black_box")
                throw new ServerException($"job {id}'s result is not a black-box attribution (kind '{r["kind"]}'); is the CLI older than the server?");
            var calls = r["calls"]!.AsObject();
            return new BlackBoxAttributionResult
            {
                Endpoint = Str(r, "endpoint"), Model = Str(r, "endpoint_model"), ScoringMode = Str(r, "scoring_mode"),
                ScoringReason = Str(r, "scoring_reason"), Method = Str(r, "method"), Unit = Str(r, "unit"), Perturbation = Str(r, "perturbation"),
                Template = r["template"]?.GetValue<string>(), CompletionText = Str(r, "completion_text"),
                CompletionTokens = r["completion_tokens"]!.AsArray().Select(t => t!.GetValue<string>()).ToList(),
                CompletionGenerated = r["completion_generated"]!.GetValue<bool>(), CompletionLogProb = Num(r, "completion_log_prob"),
                CompletionTokenLogProbs = Doubles(r["completion_token_log_probs"]),
                Units = r["units"]!.AsArray().Select(n => n!.AsObject()).Select(u => new BlackBoxUnitAttribution
                {
                    Index = Int(u, "index"), Message = Int(u, "message"), Role = Str(u, "role"), Start = Int(u, "start"), Length = Int(u, "length"),
                    Text = Str(u, "text"), Score = Num(u, "score"), OutputTokenScores = Doubles(u["output_token_scores"]),
                    ProbabilityDrop = Num(u, "probability_drop"), BelowNoise = u["below_noise"]!.GetValue<bool>(),
                }).ToList(),
                Roles = r["roles"]!.AsArray().Select(n => n!.AsObject())
                    .Select(t => new RoleTotal(Str(t, "role"), Int(t, "units"), Num(t, "score"), Num(t, "absolute_mass"), Num(t, "share"))).ToList(),
                SystemPrompt = r["system_prompt"] is JsonObject s
                    ? new SystemPromptInfluence { LogProbDrop = Num(s, "log_prob_drop"), LogProbWithout = Num(s, "log_prob_without"), AttributionShare = Num(s, "attribution_share") }
                    : null,
                UserText = r["user_text"] is JsonObject v ? new UserTextExplanation(Num(v, "log_prob_drop"), Num(v, "log_prob_without"), Num(v, "drop_per_token")) : null,
                NoiseFloor = Num(r, "noise_floor"), NoiseSamples = Int(r, "noise_samples"), Evaluations = r["evaluations"]!.GetValue<long>(),
                Calls = calls["used"]!.GetValue<long>(), Retries = calls["retries"]!.GetValue<long>(), PlannedCalls = calls["planned"]!.GetValue<long>(),
                HipeStages = r["hipe_stages"]?.GetValue<int>(),
            };
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException)
        {
            throw new ServerException($"job {id}'s result is not a black-box attribution this leap understands ({e.Message}); is the CLI older than the server?");
        }
    }

    private static string Str(JsonObject o, string name) => o[name]!.GetValue<string>();
    private static int Int(JsonObject o, string name) => o[name]!.GetValue<int>();
    private static double Num(JsonObject o, string name) => o[name]!.GetValue<double>();
    private static double[] Doubles(JsonNode? array) => array!.AsArray().Select(x => x!.GetValue<double>()).ToArray();
}
