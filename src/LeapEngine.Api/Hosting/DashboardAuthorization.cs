using Hangfire.Dashboard;
using LeapEngine.Api.Auth;

namespace LeapEngine.Api.Hosting;

/// <summary>
/// The Hangfire dashboard is for operators only: an operator key as Bearer, or as the password
/// of HTTP Basic (so a browser can log in). Anyone else is asked for credentials.
/// </summary>
internal sealed class DashboardAuthorization : IDashboardAuthorizationFilter
{
    public bool Authorize(DashboardContext context)
    {
        var http = context.GetHttpContext();
        if (http.User.HasClaim(c => c.Type == LeapClaims.Operator)) return true;
        http.Response.Headers.WWWAuthenticate = "Basic realm=\"leapengine operators\"";
        return false;
    }
}
