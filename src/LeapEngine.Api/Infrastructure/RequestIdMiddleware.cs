namespace LeapEngine.Api.Infrastructure;

/// <summary>
/// Gives every request an id: the client's X-Request-Id when it is a sane token, else a new
/// one. It is echoed in the X-Request-Id response header, put in every problem body and in
/// the scope of every log line written while handling the request.
/// </summary>
public sealed class RequestIdMiddleware(RequestDelegate next, ILogger<RequestIdMiddleware> log)
{
    public const string Header = "X-Request-Id";

    public async Task InvokeAsync(HttpContext context)
    {
        var incoming = context.Request.Headers[Header].ToString();
        context.TraceIdentifier = IsSane(incoming) ? incoming : $"req_{Guid.NewGuid():N}";
        context.Response.Headers[Header] = context.TraceIdentifier;
        using (log.BeginScope(new Dictionary<string, object> { ["request_id"] = context.TraceIdentifier }))
            await next(context);
    }

    private static bool IsSane(string id) =>
        id.Length is > 0 and <= 64 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
