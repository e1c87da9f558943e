using Hangfire.Dashboard;
using LeapEngine.Api.Auth;

namespace LeapEngine.Api.Hosting;

/// <summary>
/// The Hangfire dashboard is for operators only: an operator key as Bearer, or as the password
/// of HTTP Basic (so a browser can log in). Anyone else is asked for credentials.
/// A browser resends Basic credentials to any page that posts to the dashboard, so a request
/// that changes something (requeue, delete) must also come from the dashboard's own origin
/// (Sec-Fetch-Site, else Origin); Hangfire checks its antiforgery token on top of that
/// (registered with AddAntiforgery).
/// </summary>
internal sealed class DashboardAuthorization : IDashboardAuthorizationFilter
{
    public bool Authorize(DashboardContext context)
    {
        var http = context.GetHttpContext();
        if (!http.User.HasClaim(c => c.Type == LeapClaims.Operator))
        {
            http.Response.Headers.WWWAuthenticate = "Basic realm=\"leapengine operators\"";
            return false;
        }
        // Refused as authenticated: Hangfire answers 403.
        return HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) || FromSameOrigin(http.Request);
    }

    /// <summary>
    /// True for a request the dashboard's own page made. Browsers send Sec-Fetch-Site (and
    /// Origin) on every POST; a request with neither comes from a script, which a browser cannot
    /// make carry Bearer credentials on its own, so that is accepted only with a Bearer key.
    /// </summary>
    internal static bool FromSameOrigin(HttpRequest request)
    {
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0) return site == "same-origin";
        var origin = request.Headers.Origin.ToString();
        // The authority only: behind a TLS-terminating proxy the scheme the app sees is not the browser's.
        if (origin.Length > 0)
            return Uri.TryCreate(origin, UriKind.Absolute, out var uri)
                   && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
        return request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase);
    }
}
