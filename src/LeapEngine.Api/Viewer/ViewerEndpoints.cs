using System.Net.Http.Headers;
using System.Reflection;
using LeapEngine.Api.Auth;
using LeapEngine.Api.Contracts;
using LeapEngine.Api.Errors;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.FileProviders;

namespace LeapEngine.Api.Viewer;

/// <summary>
/// The results viewer at /app: static ES modules and CSS embedded in this assembly (so every way of running the host
/// serves them, with no front-end build), the session routes, and index.html for every page path (the pages route
/// on the client; permalinks are /app/jobs/{id} and /app/dictionaries/{id}).
/// </summary>
public static class ViewerEndpoints
{
    public const string BasePath = "/app";
    public const string SessionPath = "/app/session";

    /// <summary>What the page learns about its session: never the key, only its public prefix.</summary>
    public sealed record SessionView(bool SignedIn, string? Tenant, string? KeyPrefix, string CsrfHeader, string CsrfToken);

    private static readonly IFileProvider Assets = new ManifestEmbeddedFileProvider(Assembly.GetExecutingAssembly(), "Viewer/Assets");

    /// <summary>Cookie authentication for the viewer's session (the API's default scheme stays the API key).</summary>
    public static WebApplicationBuilder AddLeapViewer(this WebApplicationBuilder builder)
    {
        builder.Services.AddAuthentication().AddCookie(ViewerSession.Scheme, ViewerSession.Configure);
        return builder;
    }

    /// <summary>Before UseAuthentication: a viewer session becomes the Bearer key of its API calls.</summary>
    public static WebApplication UseLeapViewerSession(this WebApplication app)
    {
        app.UseMiddleware<ViewerSessionMiddleware>();
        return app;
    }

    public static WebApplication MapLeapViewer(this WebApplication app)
    {
        app.UseStaticFiles(new StaticFileOptions { FileProvider = Assets, RequestPath = BasePath });
        var group = app.MapGroup(BasePath).ExcludeFromDescription();
        group.MapGet("/session", GetSession);
        group.MapPost("/session", (Func<HttpContext, Task<IResult>>)SignInAsync).RequireAuthorization(LeapClaims.ReadPolicy);
        group.MapPost("/session/sign-out", (Func<HttpContext, Task<IResult>>)SignOutAsync);
        var index = new StaticFileOptions { FileProvider = Assets };
        app.MapFallbackToFile(BasePath, "index.html", index);
        app.MapFallbackToFile(BasePath + "/{**path:nonfile}", "index.html", index);
        return app;
    }

    private static async Task<IResult> GetSession(HttpContext context, IAntiforgery antiforgery)
    {
        var session = await ViewerSession.CurrentAsync(context);
        var tokens = antiforgery.GetAndStoreTokens(context);
        return TypedResults.Ok(new SessionView(session is not null, session?.FindFirst(ViewerSession.TenantClaim)?.Value,
            session?.FindFirst(ViewerSession.PrefixClaim)?.Value, tokens.HeaderName!, tokens.RequestToken!));
    }

    /// <summary>
    /// Sign-in: the page sends the key once, as a Bearer header, so the API's own authentication checks it (throttling
    /// of failures, revocation, expiry, a tenant key with the read scope); the answer sets the session cookie.
    /// </summary>
    private static async Task<IResult> SignInAsync(HttpContext context)
    {
        if (!AuthenticationHeaderValue.TryParse(context.Request.Headers.Authorization.ToString(), out var header)
            || !header.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase) || header.Parameter is not { Length: > 0 } key)
            return Problems.Validation("send the API key to sign in with as 'Authorization: Bearer <key>'");
        var tenant = Guid.Parse(context.User.FindFirst(LeapClaims.TenantId)!.Value);
        var prefix = ApiKeys.PrefixOf(key.Trim()) ?? "";
        await context.SignInAsync(ViewerSession.Scheme, ViewerSession.Principal(key.Trim(), PublicIds.Tenant(tenant), prefix));
        return TypedResults.NoContent();
    }

    private static async Task<IResult> SignOutAsync(HttpContext context)
    {
        await context.SignOutAsync(ViewerSession.Scheme);
        return TypedResults.NoContent();
    }
}
