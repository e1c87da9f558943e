using LeapEngine.Api.Auth;
using LeapEngine.Api.Errors;
using LeapEngine.Data;
using LeapEngine.Data.Plans;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LeapEngine.Api.Apis;

/// <summary>GET /v1/usage: this month's compute, today's jobs and running jobs against the plan.</summary>
public static class UsageApi
{
    public sealed record UsageView(string Object, string Plan, string Month, PlanLimits Limits, long UsedModelTokens,
        long ReservedModelTokens, long RemainingModelTokens, int JobsToday, int ActiveJobs, int JobsSucceeded, int JobsFailed,
        long UsedEndpointCalls, long ReservedEndpointCalls, long RemainingEndpointCalls);

    public static IEndpointRouteBuilder MapUsageApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/usage", GetAsync).RequireAuthorization(LeapClaims.ReadPolicy).WithTags("Usage").WithName("GetUsage")
            .WithSummary("This tenant's use against its plan (compute in model tokens processed, forward and backward; calls to its endpoints)")
            .Produces<UsageView>();
        return app;
    }

    private static async Task<IResult> GetAsync(HttpContext context, LeapDbContext db, IOptions<PlansOptions> plans)
    {
        var tenantId = context.User.TenantOf();
        var tenant = await db.Tenants.AsNoTracking().SingleOrDefaultAsync(t => t.Id == tenantId);
        if (tenant is null) return Problems.NotFound("tenant");
        var plan = plans.Value.Find(tenant.Plan) ?? new PlanLimits();
        var now = DateTime.UtcNow;
        var month = QuotaLedger.MonthOf(now);
        var usage = await db.UsageMonths.AsNoTracking().SingleOrDefaultAsync(u => u.TenantId == tenantId && u.Month == month);
        long used = usage?.UsedTokens ?? 0, reserved = usage?.ReservedTokens ?? 0;
        int today = tenant.QuotaDay == QuotaLedger.DayOf(now) ? tenant.JobsToday : 0;
        return TypedResults.Ok(new UsageView("usage", tenant.Plan, month, plan, used, reserved,
            Math.Max(0, plan.ComputeTokensPerMonth - used - reserved), today, tenant.ActiveJobs,
            usage?.JobsSucceeded ?? 0, usage?.JobsFailed ?? 0, usage?.UsedEndpointCalls ?? 0, usage?.ReservedEndpointCalls ?? 0,
            Math.Max(0, plan.EndpointCallsPerMonth - (usage?.UsedEndpointCalls ?? 0) - (usage?.ReservedEndpointCalls ?? 0))));
    }
}
