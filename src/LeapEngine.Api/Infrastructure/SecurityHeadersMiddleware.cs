namespace LeapEngine.Api.Infrastructure;

/// <summary>
/// Browser-facing headers on every answer, set before the endpoint runs so errors, 404s and
/// framework answers carry them too: a Content-Security-Policy (nothing may frame any page),
/// nosniff, no referrer, and Cache-Control: no-store unless the endpoint chose its own caching
/// (answers carry tenants' results and, once, new keys' secrets: no browser or proxy may keep them).
/// </summary>
public sealed class SecurityHeadersMiddleware(RequestDelegate next)
{
    /// <summary>JSON, problems and event streams: no content of any kind may load from them, and they may not be framed.</summary>
    public const string ApiPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    /// <summary>
    /// Swagger UI (/docs) and the Hangfire dashboard (/jobs-dashboard) load their scripts and
    /// styles from this origin and fetch from it; both set inline style attributes and use
    /// data: images (icons), which is all they get beyond 'self'. No inline script is allowed.
    /// </summary>
    public const string UiPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
                                   "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

    public static readonly string[] UiPaths = ["/docs", "/jobs-dashboard"];

    /// <summary>
    /// The results viewer (/app): its own scripts and styles only, no inline script or style attribute in markup
    /// (its scripts colour cells through the CSSOM, which CSP allows), and it fetches from this origin only.
    /// </summary>
    public const string ViewerPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
                                       "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    public const string ViewerPath = "/app";

    public Task InvokeAsync(HttpContext context)
    {
        var headers = context.Response.Headers;
        bool ui = UiPaths.Any(p => context.Request.Path.StartsWithSegments(p));
        headers.ContentSecurityPolicy = context.Request.Path.StartsWithSegments(ViewerPath) ? ViewerPolicy : ui ? UiPolicy : ApiPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";                                    // for browsers that ignore frame-ancestors
        headers["Referrer-Policy"] = "no-referrer";
        context.Response.OnStarting(() =>
        {
            if (!context.Response.Headers.ContainsKey("Cache-Control")) context.Response.Headers.CacheControl = "no-store";
            return Task.CompletedTask;
        });
        return next(context);
    }
}
