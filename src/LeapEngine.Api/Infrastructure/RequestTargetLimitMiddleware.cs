using LeapEngine.Api.Errors;

namespace LeapEngine.Api.Infrastructure;

/// <summary>
/// The limits on a request's URL and headers, enforced here so that exceeding them gets a
/// problem+json answer. Kestrel answers its own limits with a bare status and no body before
/// any middleware runs, so its limits are set above these (<see cref="KestrelLineBytes"/>,
/// <see cref="KestrelHeaderBytes"/>, <see cref="KestrelHeaderCount"/>): between the two, the client
/// learns what to fix; only beyond Kestrel's (and for a request Kestrel cannot parse at all: a
/// bad request line, <c>%00</c> in the path) is the answer still Kestrel's bare 400/414/431.
/// </summary>
public sealed class RequestTargetLimitMiddleware(RequestDelegate next)
{
    /// <summary>Longest path and query, in characters (Kestrel's default request line is 8 KiB).</summary>
    public const int MaxTargetChars = 8 * 1024;
    /// <summary>Largest total of header names and values, in bytes (Kestrel's default is 32 KiB).</summary>
    public const int MaxHeaderBytes = 32 * 1024;
    public const int MaxHeaderCount = 100;

    public const int KestrelLineBytes = 4 * MaxTargetChars;
    public const int KestrelHeaderBytes = 2 * MaxHeaderBytes;
    public const int KestrelHeaderCount = 2 * MaxHeaderCount;

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        int target = request.Path.Value?.Length + request.PathBase.Value?.Length + request.QueryString.Value?.Length ?? 0;
        if (target > MaxTargetChars)
            return Problems.WriteAsync(context, Problems.UriTooLong(MaxTargetChars));
        long headerBytes = 0;
        foreach (var (name, values) in request.Headers)
            headerBytes += name.Length + 4 + values.Sum(v => (long)(v?.Length ?? 0));
        if (headerBytes > MaxHeaderBytes || request.Headers.Count > MaxHeaderCount)
            return Problems.WriteAsync(context, Problems.HeadersTooLarge(MaxHeaderBytes, MaxHeaderCount));
        return next(context);
    }
}
