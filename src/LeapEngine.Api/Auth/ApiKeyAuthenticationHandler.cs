using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using LeapEngine.Api.Errors;
using LeapEngine.Api.Hosting;
using LeapEngine.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LeapEngine.Api.Auth;

/// <summary>
/// "Authorization: Bearer &lt;key&gt;" (or HTTP Basic with the key as password, for the operator's
/// browser on the dashboard). Looks the key up by prefix on every request, so revocation takes
/// effect immediately; compares hashes in constant time. Failures are counted per client address
/// (<see cref="IAuthFailureThrottle"/>): past the limit, a client's keys are not checked until it
/// has waited (429 with Retry-After), and failures are logged as a periodic summary
/// (<see cref="AuthFailureLog"/>), not one line each.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger,
    UrlEncoder encoder, LeapDbContext db, IOptions<ApiOptions> api, IAuthFailureThrottle throttle, AuthFailureLog failures)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = PresentedKey();
        if (presented is null) return AuthenticateResult.NoResult();
        // A client without an address (an in-process test server, a Unix socket) is not throttled: all such
        // clients would share one count. Behind a proxy, configure forwarded headers so the client's address is known.
        var client = Context.Connection.RemoteIpAddress;
        if (client is not null && throttle.RetryAfter(client) is { } wait)
        {
            failures.Record(client, throttled: true);
            LeapEngine.Jobs.Telemetry.LeapTelemetry.RateLimitRejections.Add(1, new KeyValuePair<string, object?>("bucket", "auth"));
            return AuthenticateResult.Fail(new AuthThrottledException(wait));
        }

        if (api.Value.OperatorKey is { Length: > 0 } operatorKey && ApiKeys.Matches(presented, ApiKeys.Hash(operatorKey)))
            return Success([new(LeapClaims.Operator, "config"), new(LeapClaims.KeyId, "config")]);

        var prefix = ApiKeys.PrefixOf(presented);
        if (prefix is null) return await FailedAsync(client, "the API key is malformed");
        var key = await db.ApiKeys.AsNoTracking().SingleOrDefaultAsync(k => k.Prefix == prefix, Context.RequestAborted);
        if (key is null || !ApiKeys.Matches(presented, key.Hash)) return await FailedAsync(client, "the API key is not valid");
        if (key.RevokedAt is not null) return await FailedAsync(client, "the API key was revoked");
        if (key.ExpiresAt is { } expires && expires <= DateTime.UtcNow) return await FailedAsync(client, "the API key has expired");

        var claims = new List<Claim> { new(LeapClaims.KeyId, key.Id.ToString()) };
        if (key.IsOperator) claims.Add(new(LeapClaims.Operator, "db"));
        if (key.TenantId is { } tenant) claims.Add(new(LeapClaims.TenantId, tenant.ToString()));
        claims.AddRange(key.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => new Claim(LeapClaims.Scope, s)));
        return Success(claims);
    }

    private async Task<AuthenticateResult> FailedAsync(System.Net.IPAddress? client, string message)
    {
        if (client is not null) await throttle.RecordFailureAsync(client, Context.RequestAborted);
        failures.Record(client, throttled: false);
        return AuthenticateResult.Fail(message);
    }

    private AuthenticateResult Success(IEnumerable<Claim> claims) =>
        AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));

    private string? PresentedKey()
    {
        if (!AuthenticationHeaderValue.TryParse(Request.Headers.Authorization.ToString(), out var header) || header.Parameter is null)
            return null;
        if (header.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase)) return header.Parameter.Trim();
        if (!header.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase)) return null;
        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter));
            int colon = decoded.IndexOf(':');
            return colon >= 0 ? decoded[(colon + 1)..] : null;
        }
        catch (FormatException) { return null; }
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        if (result.Failure is AuthThrottledException throttled)
        {
            await Problems.WriteAsync(Context, Problems.AuthThrottled(throttled.RetryAfterSeconds));
            return;
        }
        Response.Headers.WWWAuthenticate = "Bearer realm=\"leapengine\"";
        await Problems.WriteAsync(Context, Problems.Unauthorized(result.Failure?.Message
            ?? "send your API key as 'Authorization: Bearer <key>'"));
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Problems.WriteAsync(Context, Problems.Forbidden(Context.User.HasClaim(c => c.Type == LeapClaims.Operator)
            ? "operator keys manage tenants over /v1/admin; use a tenant's key for this route"
            : "this key lacks the scope this route needs (read for GET, write for POST)"));
}
