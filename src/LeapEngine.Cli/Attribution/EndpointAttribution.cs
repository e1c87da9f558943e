using System.Text.Json;
using LeapEngine.Core.BlackBox;
using LeapEngine.Core.BlackBox.Client;
using LeapEngine.Core.Runtime;
using LeapEngine.Core.Serialization;

namespace LeapEngine.Cli.Attribution;

/// <summary>
/// `leap attribute --endpoint`: black-box attribution of a model behind an OpenAI-compatible
/// endpoint. The messages come from a JSON file; the key from an environment variable (never a
/// flag, so it stays out of shell history). The calls go out from this machine (<see cref="LocalEndpoint"/>);
/// <c>--server</c> runs the same as a job against a registered endpoint (<see cref="ServerEndpointAttribution"/>).
/// </summary>
public static class EndpointAttribution
{
    /// <summary>What --messages holds: a JSON array of {role, content}, or {"messages": [...], "completion": "..."}.</summary>
    public sealed record MessagesFile(IReadOnlyList<ChatMessage> Messages, string? Completion);

    public static MessagesFile ReadMessages(string path)
    {
        if (!File.Exists(path)) throw new ArgumentException($"--messages: no file {Path.GetFullPath(path)}");
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var root = doc.RootElement;
            var array = root.ValueKind == JsonValueKind.Array ? root
                : root.ValueKind == JsonValueKind.Object && root.TryGetProperty("messages", out var m) ? m
                : throw new ArgumentException("--messages: give a JSON array of {\"role\", \"content\"} or an object with \"messages\"");
            var messages = array.Deserialize<List<ChatMessage>>(OpenAiJson.Options) ?? [];
            string? completion = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("completion", out var c) ? c.GetString() : null;
            return new MessagesFile(messages, completion);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"--messages: {path} is not valid JSON ({e.Message})");
        }
    }

    public static EndpointSpec Spec(string url, string model, string? apiKeyEnv)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var baseUrl))
            throw new ArgumentException($"--endpoint '{url}' is not an absolute URL; give the base URL, e.g. https://api.openai.com/v1");
        string? key = null;
        if (apiKeyEnv is not null)
        {
            key = Environment.GetEnvironmentVariable(apiKeyEnv);
            if (string.IsNullOrEmpty(key)) throw new ArgumentException($"--api-key-env: the environment variable {apiKeyEnv} is not set");
        }
        var spec = new EndpointSpec { BaseUrl = baseUrl, Model = model, ApiKey = key };
        spec.Validate();
        return spec;
    }

    public static async Task<BlackBoxAttributionResult> RunAsync(EndpointSpec spec, BlackBoxAttributionRequest request, StatusLine status, CancellationToken ct)
    {
        using var endpoint = new LocalEndpoint(spec);
        var progress = status.For<ProgressUpdate>(v => $"{v.Unit} {v.Done}/{v.Total}{(v.Message is { } m ? $"  {m}" : "")}");
        return await endpoint.AttributeAsync(request, progress, ct);
    }

    public static void Write(BlackBoxAttributionResult r, TextWriter o)
    {
        o.WriteLine($"endpoint {r.Endpoint} model {r.Model}");
        o.WriteLine($"scoring {r.ScoringMode} ({r.ScoringReason}); method {r.Method}, unit {r.Unit}, perturbation {r.Perturbation}");
        o.WriteLine($"completion{(r.CompletionGenerated ? " (the endpoint's own)" : "")}: {r.CompletionText}");
        o.WriteLine($"completion score {r.CompletionLogProb:F3} over {r.CompletionTokens.Count} position(s); noise floor {r.NoiseFloor:F4}");
        o.WriteLine();
        foreach (var u in r.Units.OrderByDescending(u => u.Score).Take(15))
            o.WriteLine($"  {u.Score,9:F4}{(u.BelowNoise ? " ~" : "  ")} [{u.Role}] {u.Text}");
        if (r.Units.Count > 15) o.WriteLine($"  ... {r.Units.Count - 15} more units (--json for all)");
        o.WriteLine("  (~ = within the noise floor)");
        o.WriteLine();
        foreach (var role in r.Roles) o.WriteLine($"role {role.Role}: {role.Units} units, score {role.Score:F4}, share {role.Share:P1}");
        if (r.SystemPrompt is { } s) o.WriteLine($"system messages: removing them drops the completion by {s.LogProbDrop:F4}; share {s.AttributionShare:P1}");
        if (r.UserText is { } t)
            o.WriteLine($"user text: perturbing all of it drops the completion by {t.LogProbDrop:F4} ({t.DropPerToken:F4} per position); " +
                        $"explained share {t.ExplainedShare:F3}" + (t.MostlyUnexplained ? " — mostly unexplained by the visible text (docs/black-box.md: a hidden prompt or a default answer)" : ""));
        o.WriteLine($"calls {r.Calls} (retries {r.Retries}, planned at most {r.PlannedCalls}), evaluations {r.Evaluations}");
    }

    public static string Json(BlackBoxAttributionResult r) => JsonSerializer.Serialize(r, SnakeCase.Indented);
}
