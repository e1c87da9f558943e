using LeapEngine.Api.Errors;
using LeapEngine.Api.Hosting;
using Microsoft.AspNetCore.Antiforgery;

namespace LeapEngine.Api.Viewer;

/// <summary>
/// Runs before authentication. A request to the API (/v1) without an Authorization header but with a viewer session
/// is sent on as that session's key (Bearer), so the viewer reads the same API a client does, under the same checks
/// (revocation, scopes, rate limits, tenant isolation). Anything that changes state through the session, and every
/// POST to the viewer's own routes (sign-in, sign-out), must come from this origin and carry the antiforgery token:
/// SameSite=Strict already keeps the cookie off cross-site requests; the token also stops same-site ones.
/// </summary>
public sealed class ViewerSessionMiddleware(RequestDelegate next, IAntiforgery antiforgery)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        bool viewerRoute = path.StartsWithSegments(ViewerEndpoints.BasePath);
        bool apiRoute = path.StartsWithSegments("/v1");
        if (!viewerRoute && !apiRoute)
        {
            await next(context);
            return;
        }

        string? sessionKey = null;
        if (apiRoute && context.Request.Headers.Authorization.Count == 0)
            sessionKey = (await ViewerSession.CurrentAsync(context))?.FindFirst(ViewerSession.KeyClaim)?.Value;

        if (ChangesState(context.Request) && (viewerRoute || sessionKey is not null))
        {
            // Validated while the request is still anonymous, as the token was issued (GET /app/session).
            if (!DashboardAuthorization.FromSameOrigin(context.Request))
            {
                await Problems.WriteAsync(context, Problems.Forbidden("the viewer accepts changes only from its own pages (same origin)"));
                return;
            }
            if (!await antiforgery.IsRequestValidAsync(context))
            {
                await Problems.WriteAsync(context, Problems.Forbidden(
                    $"the viewer's antiforgery token is missing or invalid: send the token from GET {ViewerEndpoints.SessionPath} " +
                    "in its header (reload the page)"));
                return;
            }
        }

        if (sessionKey is not null) context.Request.Headers.Authorization = "Bearer " + sessionKey;
        await next(context);
    }

    private static bool ChangesState(HttpRequest request) =>
        !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method));
}
