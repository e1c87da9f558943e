using System.Net;
using System.Text.Json.Nodes;
using LeapEngine.Core.Tests.BlackBox;

namespace LeapEngine.Api.Tests.Endpoints;

/// <summary>
/// Refuses every call with a 401 that quotes the key it was sent, masked the way OpenAI does ("sk-abc1*****wxyz") and,
/// worse, whole: what an endpoint sends back must be redacted before LeapEngine stores or shows it.
/// </summary>
public sealed class KeyQuotingEndpoint : JsonEndpoint
{
    protected override Task<HttpResponseMessage> AnswerAsync(string path, JsonObject body, HttpRequestMessage request, CancellationToken ct)
    {
        var key = request.Headers.Authorization?.Parameter ?? "";
        var masked = key.Length > 12 ? key[..8] + new string('*', key.Length - 12) + key[^4..] : key;
        return Task.FromResult(Error(HttpStatusCode.Unauthorized, $"Incorrect API key provided: {masked}. Full key: {key}"));
    }
}
