using System.Text.Json;
using LeapEngine.Jobs;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;

namespace LeapEngine.Api.Errors;

/// <summary>
/// RFC 9457 problem responses. Each kind has a stable <c>type</c> ("/problems/&lt;slug&gt;", listed
/// in docs/api.md) that clients can switch on; every problem carries the request's
/// <c>request_id</c>, which is also in the logs.
/// </summary>
public static class Problems
{
    public static ProblemResult Validation(string detail, string? field = null) =>
        Make(400, "invalid-request", "The request is invalid", detail, field is null ? null : new() { ["field"] = field });
    public static ProblemResult Unauthorized(string detail) => Make(401, "unauthorized", "Authentication required", detail);
    public static ProblemResult Forbidden(string detail) => Make(403, "forbidden", "Not allowed", detail);
    /// <summary>A tenant on a plan the configuration no longer has: the same answer on every route that runs or registers work.</summary>
    public static ProblemResult PlanNotConfigured(string plan) => Forbidden($"the tenant's plan '{plan}' is not configured; ask the operator");
    public static ProblemResult NotFound(string what) => Make(404, "not-found", "Not found", $"{what} was not found");
    /// <summary>A model name no route serves (OpenAI's clients know the code model_not_found).</summary>
    public static ProblemResult ModelNotFound(string model) => Make(404, "model-not-found", "Model not found",
        $"model '{model}' is not served here; GET /v1/models lists the ones that are", new() { ["field"] = "model" });
    public static ProblemResult Conflict(string detail) => Make(409, "conflict", "Conflict", detail);
    public static ProblemResult QuotaExceeded(string detail) => Make(402, "quota-exceeded", "Plan quota exhausted", detail);
    public static ProblemResult PayloadTooLarge(long? limit) =>
        Make(413, "payload-too-large", "Request body too large",
            limit is { } l ? $"the request body exceeds the limit of {l} bytes" : "the request body is too large");
    public static ProblemResult UriTooLong(int limit) =>
        Make(414, "uri-too-long", "URL too long", $"the path and query exceed {limit} characters; send long input in a JSON body");
    public static ProblemResult HeadersTooLarge(int bytes, int count) =>
        Make(431, "headers-too-large", "Request headers too large", $"the request headers exceed {bytes} bytes or {count} fields");
    public static ProblemResult UnsupportedMediaType() =>
        Make(415, "unsupported-media-type", "Unsupported media type", "send the body as application/json");
    public static ProblemResult IdempotencyMismatch() => Make(422, "idempotency-key-reused", "Idempotency key reused",
        "this Idempotency-Key was used with a different request body; use a new key for a new request");
    public static ProblemResult RateLimited(int retryAfterSeconds, int limit) =>
        Make(429, "rate-limited", "Too many requests",
            $"this key may make {limit} requests per minute (its plan's rate, or the operator rate); retry after {retryAfterSeconds} s",
            retryAfter: retryAfterSeconds);
    public static ProblemResult AuthThrottled(int retryAfterSeconds) =>
        Make(429, "rate-limited", "Too many requests",
            $"too many failed authentication attempts from this address; retry after {retryAfterSeconds} s",
            retryAfter: retryAfterSeconds);
    public static ProblemResult TooManyHeldConnections(int limit, int retryAfterSeconds) =>
        Make(429, "too-many-streams", "Too many open streams",
            $"this tenant's plan allows {limit} open event streams and long-polls at once; close one or retry after {retryAfterSeconds} s",
            retryAfter: retryAfterSeconds);
    /// <summary>The same per-tenant limit as <see cref="TooManyHeldConnections"/>, met by synchronous completions.</summary>
    public static ProblemResult TooManyInFlight(int limit, int retryAfterSeconds) =>
        Make(429, "too-many-streams", "Too many open connections",
            $"this tenant's plan allows {limit} open connections at once (completions, event streams and long-polls together); " +
            $"wait for one to finish or retry after {retryAfterSeconds} s",
            retryAfter: retryAfterSeconds);
    public static ProblemResult Unavailable(string detail, int retryAfterSeconds = 5) =>
        Make(503, "unavailable", "Service unavailable", detail, retryAfter: retryAfterSeconds);
    /// <summary>A served model whose files are not on this server: the detail says how an operator provides them.</summary>
    public static ProblemResult ModelUnavailable(string model, string detail) =>
        Make(503, "model-unavailable", "Model not available", detail, new() { ["model"] = model }, retryAfter: 60);
    /// <summary>A tenant's endpoint is, or resolves to, an address the outbound policy refuses (checked where the socket connects).</summary>
    public static ProblemResult EndpointRefused(string detail) => Make(422, "endpoint-refused", "Endpoint address refused", detail,
        new() { ["field"] = "base_url" });
    /// <summary>A tenant's endpoint answered, but not usefully (a bad key, an unknown model, errors past the retries...).</summary>
    /// <param name="notes">What each call got back, when there were several (the probe's notes).</param>
    public static ProblemResult EndpointFailed(string detail, string code, int? endpointStatus, IReadOnlyList<string>? notes = null)
    {
        var extensions = new Dictionary<string, object?> { ["code"] = code };
        if (endpointStatus is { } status) extensions["endpoint_status"] = status;
        if (notes is { Count: > 0 }) extensions["notes"] = notes;
        return Make(502, "endpoint-failed", "The endpoint failed", detail, extensions);
    }
    /// <summary>A tenant's endpoint did not finish answering in the time the operator gives a probe.</summary>
    public static ProblemResult EndpointTimeout(string detail) => Make(504, "endpoint-timeout", "The endpoint timed out", detail);
    /// <summary>Any other status the framework produced without a body.</summary>
    public static ProblemResult Generic(int status) =>
        Make(status, "http-" + status, ReasonPhrases.GetReasonPhrase(status), $"the request was refused with HTTP {status}");
    public static ProblemResult Internal() =>
        Make(500, "internal", "Internal error", "an unexpected error occurred; quote the request_id when reporting it");

    private static ProblemResult Make(int status, string slug, string title, string detail,
        Dictionary<string, object?>? extensions = null, int? retryAfter = null)
    {
        var problem = new ProblemDetails { Status = status, Type = $"/problems/{slug}", Title = title, Detail = detail };
        foreach (var (k, v) in extensions ?? []) problem.Extensions[k] = v;
        return new ProblemResult(problem, retryAfter);
    }

    public static Task WriteAsync(HttpContext context, ProblemResult problem) => problem.ExecuteAsync(context);
}

/// <summary>A problem response: application/problem+json with request_id, plus Retry-After when given.</summary>
public sealed class ProblemResult(ProblemDetails problem, int? retryAfterSeconds) : IResult, IStatusCodeHttpResult
{
    public ProblemDetails Problem { get; } = problem;
    public int? StatusCode => Problem.Status;

    public async Task ExecuteAsync(HttpContext context)
    {
        Problem.Instance = Echo.Bound(Problem.Instance ?? context.Request.Path, Echo.MaxShortChars);
        if (Problem.Detail is { } detail) Problem.Detail = Echo.Bound(detail, Echo.MaxDetailChars);
        foreach (var (name, value) in Problem.Extensions.ToList())
            if (value is string text) Problem.Extensions[name] = Echo.Bound(text, Echo.MaxShortChars);
        Problem.Extensions["request_id"] = context.TraceIdentifier;
        // OpenAI's clients read an "error" object: the routes they call get one beside the problem (OpenAi/OpenAiErrors.cs).
        if (OpenAi.OpenAiErrors.Applies(context.Request.Path)) Problem.Extensions["error"] = OpenAi.OpenAiErrors.ErrorOf(Problem);
        context.Response.StatusCode = Problem.Status ?? 500;
        if (retryAfterSeconds is { } s) context.Response.Headers.RetryAfter = s.ToString();
        context.Response.ContentType = "application/problem+json";
        await JsonSerializer.SerializeAsync(context.Response.Body, Problem, LeapJson.Options, context.RequestAborted);
    }
}
