using System.Collections.Concurrent;
using LeapEngine.Api.Auth;
using LeapEngine.Api.Errors;
using LeapEngine.Api.Hosting;
using LeapEngine.Data;
using LeapEngine.Data.Plans;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LeapEngine.Api.Infrastructure;

/// <summary>
/// Per-tenant requests per minute from the tenant's plan, in fixed one-minute windows. Every
/// tenant response carries RateLimit-Limit/Remaining/Reset (and the X-RateLimit-* spellings);
/// over the limit the answer is 429 with Retry-After. Operator keys get Leap:Api:OperatorRequestsPerMinute
/// each (a leaked or looping operator key must not hammer the database through /v1/admin).
/// Counts are per API process: with N API replicas behind a balancer a tenant gets up to N times its limit.
/// </summary>
public sealed class RateLimitMiddleware(RequestDelegate next, IOptions<PlansOptions> plans, IOptions<ApiOptions> api, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, Window> _windows = new();

    public async Task InvokeAsync(HttpContext context, LeapDbContext db)
    {
        string bucket;
        int limit;
        if (context.User.FindFirst(LeapClaims.TenantId)?.Value is { } tenantClaim && Guid.TryParse(tenantClaim, out var tenantId))
        {
            var planName = await db.Tenants.AsNoTracking().Where(t => t.Id == tenantId).Select(t => t.Plan)
                .SingleOrDefaultAsync(context.RequestAborted);
            limit = (planName is null ? null : plans.Value.Find(planName))?.RequestsPerMinute ?? 60;
            bucket = $"tenant:{tenantId}";
        }
        else if (context.User.HasClaim(c => c.Type == LeapClaims.Operator) && context.User.FindFirst(LeapClaims.KeyId)?.Value is { } keyId)
        {
            limit = api.Value.OperatorRequestsPerMinute;
            bucket = $"operator:{keyId}";
        }
        else
        {
            await next(context);
            return;
        }

        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        long windowStart = now - now % 60;
        int reset = (int)(windowStart + 60 - now);
        var window = _windows.AddOrUpdate(bucket, _ => new Window(windowStart, 1),
            (_, w) => w.Start == windowStart ? w with { Count = w.Count + 1 } : new Window(windowStart, 1));
        int remaining = Math.Max(0, limit - window.Count);

        var headers = context.Response.Headers;
        headers["RateLimit-Limit"] = headers["X-RateLimit-Limit"] = limit.ToString();
        headers["RateLimit-Remaining"] = headers["X-RateLimit-Remaining"] = remaining.ToString();
        headers["RateLimit-Reset"] = headers["X-RateLimit-Reset"] = reset.ToString();
        headers["RateLimit-Policy"] = $"{limit};w=60";
        if (window.Count > limit)
        {
            await Problems.WriteAsync(context, Problems.RateLimited(Math.Max(1, reset), limit));
            return;
        }
        await next(context);
    }

    private sealed record Window(long Start, int Count);
}
