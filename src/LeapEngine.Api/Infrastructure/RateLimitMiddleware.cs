using LeapEngine.Api.Auth;
using LeapEngine.Api.Errors;
using LeapEngine.Api.Hosting;
using LeapEngine.Api.Limits;
using LeapEngine.Data;
using LeapEngine.Data.Plans;
using LeapEngine.Jobs.Telemetry;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LeapEngine.Api.Infrastructure;

/// <summary>
/// Per-tenant requests per minute from the tenant's plan, in fixed one-minute windows. Every
/// tenant response carries RateLimit-Limit/Remaining/Reset (and the X-RateLimit-* spellings);
/// over the limit the answer is 429 with Retry-After. Operator keys get Leap:Api:OperatorRequestsPerMinute
/// each (a leaked or looping operator key must not hammer the database through /v1/admin).
/// Counts come from <see cref="IRateCounter"/>: on PostgreSQL one count per window shared by every API
/// replica (N replicas still allow the plan's limit, not N times it); in standalone mode, this process's.
/// </summary>
public sealed class RateLimitMiddleware(RequestDelegate next, IOptions<PlansOptions> plans, IOptions<ApiOptions> api, IRateCounter counter)
{
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

        var hit = await counter.HitAsync(bucket, context.RequestAborted);
        int reset = hit.ResetSeconds;
        int remaining = Math.Max(0, limit - hit.Count);

        var headers = context.Response.Headers;
        headers["RateLimit-Limit"] = headers["X-RateLimit-Limit"] = limit.ToString();
        headers["RateLimit-Remaining"] = headers["X-RateLimit-Remaining"] = remaining.ToString();
        headers["RateLimit-Reset"] = headers["X-RateLimit-Reset"] = reset.ToString();
        headers["RateLimit-Policy"] = $"{limit};w=60";
        if (hit.Count > limit)
        {
            LeapTelemetry.RateLimitRejections.Add(1, new KeyValuePair<string, object?>("bucket", bucket[..bucket.IndexOf(':')]));
            await Problems.WriteAsync(context, Problems.RateLimited(Math.Max(1, reset), limit));
            return;
        }
        await next(context);
    }

}
