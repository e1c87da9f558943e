using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace LeapEngine.Api.Viewer;

/// <summary>
/// The web viewer's sign-in: the API key a person typed, kept server-side in an encrypted cookie ticket (ASP.NET Core
/// cookie authentication, protected by Data Protection) that is HttpOnly and SameSite=Strict, so page scripts never hold
/// it and no URL carries it. The key itself is what the ticket maps to: every API call the viewer makes is authenticated
/// as that key again (<see cref="ViewerSessionMiddleware"/>), so a revoked or expired key ends the session at once.
/// </summary>
public static class ViewerSession
{
    public const string Scheme = "ViewerSession";
    public const string CookieName = "leap_viewer";
    public const string KeyClaim = "leap_viewer_key";
    public const string TenantClaim = "leap_viewer_tenant";
    public const string PrefixClaim = "leap_viewer_key_prefix";

    /// <summary>How long a session lives without use (sliding: each use renews it).</summary>
    public static readonly TimeSpan IdleLifetime = TimeSpan.FromHours(8);

    internal static void Configure(CookieAuthenticationOptions o)
    {
        o.Cookie.Name = CookieName;
        o.Cookie.HttpOnly = true;
        o.Cookie.SameSite = SameSiteMode.Strict;
        // Secure behind TLS; plain http on a developer's loopback (the README's command) must still work.
        o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        o.Cookie.Path = "/";
        o.ExpireTimeSpan = IdleLifetime;
        o.SlidingExpiration = true;
        // The viewer is a page of its own; nothing redirects to a login form (API routes answer 401 problems).
        o.Events.OnRedirectToLogin = ctx => { ctx.Response.StatusCode = StatusCodes.Status401Unauthorized; return Task.CompletedTask; };
        o.Events.OnRedirectToAccessDenied = ctx => { ctx.Response.StatusCode = StatusCodes.Status403Forbidden; return Task.CompletedTask; };
    }

    /// <summary>The session's principal: the key (only inside the encrypted ticket), its tenant and its public prefix.</summary>
    internal static ClaimsPrincipal Principal(string key, string tenant, string prefix) =>
        new(new ClaimsIdentity([new Claim(KeyClaim, key), new Claim(TenantClaim, tenant), new Claim(PrefixClaim, prefix)], Scheme));

    /// <summary>The signed-in session of this request, or null.</summary>
    internal static async Task<ClaimsPrincipal?> CurrentAsync(HttpContext context)
    {
        if (!context.Request.Cookies.ContainsKey(CookieName)) return null;
        var result = await context.AuthenticateAsync(Scheme);
        return result.Succeeded && result.Principal.FindFirst(KeyClaim) is not null ? result.Principal : null;
    }
}
