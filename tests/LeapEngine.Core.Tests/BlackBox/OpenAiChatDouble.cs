using System.Net;
using System.Text.Json.Nodes;

namespace LeapEngine.Core.Tests.BlackBox;

/// <summary>
/// Behaves like today's OpenAI chat API for one question: chat/completions with logprobs and
/// top_logprobs up to 20 (more is a 400, as OpenAI answers), no completions route for the model
/// (404), no echo, no prompt log-probs, no /tokenize (404). Its "model" answers " Paris is the
/// capital." with confidence when the user text names France, and drifts to " London..." when it
/// does not, so attribution has one word to find. Deterministic at temperature 0.
/// </summary>
public sealed class OpenAiChatDouble : JsonEndpoint
{
    public static readonly string[] Answer = [" Paris", " is", " the", " capital", "."];
    private static readonly string[] Other = [" London", " was", " a", " city", "!"];

    protected override Task<HttpResponseMessage> AnswerAsync(string path, JsonObject body, HttpRequestMessage request, CancellationToken ct)
    {
        if (path != "/v1/chat/completions")
            return Task.FromResult(Error(HttpStatusCode.NotFound, "This is a chat model and not supported in the v1/completions endpoint."));
        int? top = body["top_logprobs"]?.GetValue<int>();
        if (top > 20) return Task.FromResult(Error(HttpStatusCode.BadRequest, "top_logprobs must be less than or equal to 20"));
        bool logprobs = body["logprobs"]?.GetValue<bool>() == true;
        int max = body["max_tokens"]?.GetValue<int>() ?? 16;
        var user = string.Join(" ", body["messages"]!.AsArray().Where(m => m!["role"]!.GetValue<string>() == "user")
            .Select(m => m!["content"]!.GetValue<string>()));
        bool knows = user.Contains("France", StringComparison.Ordinal);
        var chosen = (knows ? Answer : Other).Take(max).ToArray();
        var content = chosen.Select((token, j) => new
        {
            token, logprob = knows ? -0.05 : -0.4,
            top_logprobs = new[] { (Token: token, Lp: knows ? -0.05 : -0.4), (Token: knows ? Other[j] : Answer[j], Lp: knows ? -3.5 : -2.5) }
                .Concat(Enumerable.Range(2, 18).Select(i => (Token: $" w{i}", Lp: -6.0 - i)))
                .Take(top ?? 0).Select(t => new { token = t.Token, logprob = t.Lp }).ToArray(),
        }).ToArray();
        return Task.FromResult(Json(new
        {
            id = "chatcmpl-double", @object = "chat.completion",
            choices = new[]
            {
                new
                {
                    index = 0, message = new { role = "assistant", content = string.Concat(chosen) },
                    logprobs = logprobs ? new { content } : null, finish_reason = "stop",
                },
            },
        }));
    }
}
