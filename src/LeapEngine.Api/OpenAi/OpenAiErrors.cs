using LeapEngine.Api.Errors;
using Microsoft.AspNetCore.Mvc;

namespace LeapEngine.Api.OpenAi;

/// <summary>
/// On the OpenAI-compatible routes every problem answer also carries OpenAI's error object,
/// <c>"error": {"message", "type", "param", "code"}</c>, beside the usual problem fields: OpenAI's
/// clients read <c>error</c> (their exceptions carry its message and code), and the API's own
/// clients keep reading the problem. One body serves both, whichever part of the pipeline refused
/// the request (authentication, rate limit, body limit, validation, the model). docs/openai.md lists the mapping.
/// </summary>
public static class OpenAiErrors
{
    private static readonly string[] Routes = ["/v1/chat/completions", "/v1/completions", "/v1/models"];

    /// <summary>Whether <paramref name="path"/> is one of the routes OpenAI clients call.</summary>
    public static bool Applies(PathString path)
    {
        var value = path.Value?.TrimEnd('/') ?? "";
        return Routes.Any(r => string.Equals(value, r, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The OpenAI error object for a problem: type from the status, code from the problem's type slug.</summary>
    public static object ErrorOf(ProblemDetails problem)
    {
        int status = problem.Status ?? 500;
        string slug = problem.Type?.Split('/').LastOrDefault() ?? "";
        string type = status switch
        {
            401 => "authentication_error",
            402 => "insufficient_quota",
            403 => "permission_error",
            404 => "invalid_request_error",
            429 => "rate_limit_error",
            >= 500 => "server_error",
            _ => "invalid_request_error",
        };
        string? param = problem.Extensions.TryGetValue("field", out var f) && f is string field ? ParamOf(field) : null;
        // A dictionary, not an object: its null param is written as null, as OpenAI writes it.
        return new Dictionary<string, object?>
        {
            ["message"] = problem.Detail ?? problem.Title ?? "error", ["type"] = type, ["param"] = param, ["code"] = slug.Replace('-', '_'),
        };
    }

    /// <summary>"$.messages[0].content" or "messages" → OpenAI's param spelling "messages[0].content".</summary>
    private static string ParamOf(string field) => field.StartsWith("$.", StringComparison.Ordinal) ? field[2..] : field;

}
