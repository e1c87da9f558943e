using LeapEngine.Data.Entities;
using LeapEngine.Data.Plans;
using Microsoft.EntityFrameworkCore;

namespace LeapEngine.Data;

/// <summary>Why a reservation was refused; null when it was granted.</summary>
public enum QuotaRefusal { ConcurrentJobs, JobsPerDay, ComputePerMonth, EndpointCallsPerMonth }

/// <summary>
/// Reserves plan quota atomically at submission and settles or releases it when a job ends.
/// Each check is a single conditional UPDATE (the limit is in the WHERE clause), so under
/// concurrent submissions the database serialises the row and nobody overspends: PostgreSQL
/// re-evaluates the WHERE against the row a concurrent transaction committed.
/// </summary>
public static class QuotaLedger
{
    public static string MonthOf(DateTime utc) => utc.ToString("yyyy-MM");
    public static string DayOf(DateTime utc) => utc.ToString("yyyy-MM-dd");

    /// <summary>
    /// Reserves one job slot and <paramref name="tokens"/> of monthly compute inside the caller's
    /// transaction. Returns the refusal, or null when reserved.
    /// </summary>
    public static Task<QuotaRefusal?> ReserveAsync(LeapDbContext db, Guid tenantId, PlanLimits plan, long tokens,
        DateTime now, CancellationToken ct) => ReserveAsync(db, tenantId, plan, UsageUnits.ModelTokens, tokens, now, ct);

    /// <summary>
    /// Reserves one job slot and <paramref name="amount"/> of the month's <paramref name="unit"/> (model tokens against
    /// the plan's compute, endpoint calls against its endpoint calls) inside the caller's transaction. Returns the
    /// refusal, or null when reserved.
    /// </summary>
    public static async Task<QuotaRefusal?> ReserveAsync(LeapDbContext db, Guid tenantId, PlanLimits plan, string unit, long amount,
        DateTime now, CancellationToken ct)
    {
        var day = DayOf(now);
        var month = MonthOf(now);
        int slot = await db.Tenants
            .Where(t => t.Id == tenantId && t.ActiveJobs < plan.ConcurrentJobs
                        && (t.QuotaDay == day ? t.JobsToday : 0) < plan.JobsPerDay)
            .ExecuteUpdateAsync(s => s
                .SetProperty(t => t.ActiveJobs, t => t.ActiveJobs + 1)
                .SetProperty(t => t.JobsToday, t => t.QuotaDay == day ? t.JobsToday + 1 : 1)
                .SetProperty(t => t.QuotaDay, day), ct);
        if (slot == 0)
        {
            var tenant = await db.Tenants.AsNoTracking().SingleAsync(t => t.Id == tenantId, ct);
            return tenant.ActiveJobs >= plan.ConcurrentJobs ? QuotaRefusal.ConcurrentJobs : QuotaRefusal.JobsPerDay;
        }
        if (unit == UsageUnits.EndpointCalls)
        {
            int calls = await db.UsageMonths
                .Where(u => u.TenantId == tenantId && u.Month == month
                            && u.UsedEndpointCalls + u.ReservedEndpointCalls + amount <= plan.EndpointCallsPerMonth)
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.ReservedEndpointCalls, u => u.ReservedEndpointCalls + amount), ct);
            return calls == 0 ? QuotaRefusal.EndpointCallsPerMonth : null;
        }
        if (unit != UsageUnits.ModelTokens) throw new ArgumentException($"unknown usage unit '{unit}'", nameof(unit));
        int compute = await db.UsageMonths
            .Where(u => u.TenantId == tenantId && u.Month == month
                        && u.UsedTokens + u.ReservedTokens + amount <= plan.ComputeTokensPerMonth)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.ReservedTokens, u => u.ReservedTokens + amount), ct);
        return compute == 0 ? QuotaRefusal.ComputePerMonth : null;
    }

    /// <summary>
    /// Reserves <paramref name="tokens"/> of monthly compute for synchronous work (an OpenAI-compatible completion),
    /// which takes no job slot: one conditional UPDATE, like <see cref="ReserveAsync"/>. Returns false when the plan's
    /// month has not that much left. Settle with <see cref="SettleComputeAsync"/>, whatever happens to the request.
    /// </summary>
    public static async Task<bool> ReserveComputeAsync(LeapDbContext db, Guid tenantId, PlanLimits plan, long tokens, DateTime now,
        CancellationToken ct)
    {
        await EnsureMonthAsync(db, tenantId, now, ct);
        var month = MonthOf(now);
        int reserved = await db.UsageMonths
            .Where(u => u.TenantId == tenantId && u.Month == month && u.UsedTokens + u.ReservedTokens + tokens <= plan.ComputeTokensPerMonth)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.ReservedTokens, u => u.ReservedTokens + tokens), ct);
        return reserved == 1;
    }

    /// <summary>
    /// Ends a <see cref="ReserveComputeAsync"/> reservation of <paramref name="reserved"/> tokens made in
    /// <paramref name="month"/>: the reservation leaves the ledger and the work done is charged, at most the reservation.
    /// </summary>
    public static Task<int> SettleComputeAsync(LeapDbContext db, Guid tenantId, string month, long reserved, long usedTokens,
        CancellationToken ct)
    {
        long charged = Math.Clamp(usedTokens, 0, reserved);
        return db.UsageMonths.Where(u => u.TenantId == tenantId && u.Month == month)
            .ExecuteUpdateAsync(s => s
                .SetProperty(u => u.ReservedTokens, u => u.ReservedTokens - reserved)
                .SetProperty(u => u.UsedTokens, u => u.UsedTokens + charged), ct);
    }

    /// <summary>
    /// Reserves <paramref name="calls"/> endpoint calls of the plan's month (a probe, a black-box job's planned calls):
    /// one conditional UPDATE like <see cref="ReserveComputeAsync"/>. False when the month has not that many left.
    /// Settle with <see cref="SettleEndpointCallsAsync"/> whatever happens.
    /// </summary>
    public static async Task<bool> ReserveEndpointCallsAsync(LeapDbContext db, Guid tenantId, PlanLimits plan, long calls, DateTime now,
        CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(calls);
        await EnsureMonthAsync(db, tenantId, now, ct);
        var month = MonthOf(now);
        int reserved = await db.UsageMonths
            .Where(u => u.TenantId == tenantId && u.Month == month
                        && u.UsedEndpointCalls + u.ReservedEndpointCalls + calls <= plan.EndpointCallsPerMonth)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.ReservedEndpointCalls, u => u.ReservedEndpointCalls + calls), ct);
        return reserved == 1;
    }

    /// <summary>Ends a <see cref="ReserveEndpointCallsAsync"/> reservation: it leaves the ledger and the calls made are charged, at most the reservation.</summary>
    public static Task<int> SettleEndpointCallsAsync(LeapDbContext db, Guid tenantId, string month, long reserved, long usedCalls,
        CancellationToken ct)
    {
        long charged = Math.Clamp(usedCalls, 0, reserved);
        return db.UsageMonths.Where(u => u.TenantId == tenantId && u.Month == month)
            .ExecuteUpdateAsync(s => s
                .SetProperty(u => u.ReservedEndpointCalls, u => u.ReservedEndpointCalls - reserved)
                .SetProperty(u => u.UsedEndpointCalls, u => u.UsedEndpointCalls + charged), ct);
    }

    /// <summary>
    /// Makes sure the month's ledger row exists. <c>INSERT … ON CONFLICT DO NOTHING</c> (PostgreSQL and SQLite alike):
    /// when concurrent first submissions race, the one that loses inserts nothing instead of failing — no exception for
    /// EF to log as a database error on every tenant's first busy minute of a month, and nothing to abort a transaction.
    /// </summary>
    public static async Task EnsureMonthAsync(LeapDbContext db, Guid tenantId, DateTime now, CancellationToken ct)
    {
        var month = MonthOf(now);
        if (await db.UsageMonths.AnyAsync(u => u.TenantId == tenantId && u.Month == month, ct)) return;
        // Parameters go through EF's type mappings, so the tenant id is written as the provider writes every Guid.
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO usage_months (tenant_id, month, used_tokens, reserved_tokens, used_endpoint_calls, reserved_endpoint_calls,
                                      jobs_succeeded, jobs_failed)
            VALUES ({tenantId}, {month}, 0, 0, 0, 0, 0, 0)
            ON CONFLICT (tenant_id, month) DO NOTHING
            """, ct);
    }

    /// <summary>
    /// What a job that reports <paramref name="usedTokens"/> is charged: never more than its
    /// reservation, so usage cannot pass the plan whatever a method or an estimate gets wrong
    /// (the reservation was admitted against the plan atomically at submission).
    /// </summary>
    public static long Chargeable(JobRecord job, long usedTokens) => Math.Clamp(usedTokens, 0, job.ReservedTokens);

    /// <summary>
    /// Returns a finished job's reservation: the slot is freed, the reserved tokens (or endpoint
    /// calls, in the job's <see cref="JobRecord.UsageUnit"/>) leave the ledger and the work it did is charged (<see cref="Chargeable"/>: at most the reservation),
    /// whether it succeeded, failed or was cancelled. Call once, in the transaction that moved
    /// the job to its final status.
    /// </summary>
    public static async Task SettleAsync(LeapDbContext db, JobRecord job, long usedTokens, bool succeeded, CancellationToken ct)
    {
        await db.Tenants.Where(t => t.Id == job.TenantId && t.ActiveJobs > 0)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.ActiveJobs, t => t.ActiveJobs - 1), ct);
        long reserved = job.ReservedTokens;
        long charged = Chargeable(job, usedTokens);
        int ok = succeeded ? 1 : 0, bad = succeeded ? 0 : 1;
        if (job.UsageUnit == UsageUnits.EndpointCalls)
        {
            await db.UsageMonths.Where(u => u.TenantId == job.TenantId && u.Month == job.ReservedMonth)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(u => u.ReservedEndpointCalls, u => u.ReservedEndpointCalls - reserved)
                    .SetProperty(u => u.UsedEndpointCalls, u => u.UsedEndpointCalls + charged)
                    .SetProperty(u => u.JobsSucceeded, u => u.JobsSucceeded + ok)
                    .SetProperty(u => u.JobsFailed, u => u.JobsFailed + bad), ct);
            return;
        }
        await db.UsageMonths.Where(u => u.TenantId == job.TenantId && u.Month == job.ReservedMonth)
            .ExecuteUpdateAsync(s => s
                .SetProperty(u => u.ReservedTokens, u => u.ReservedTokens - reserved)
                .SetProperty(u => u.UsedTokens, u => u.UsedTokens + charged)
                .SetProperty(u => u.JobsSucceeded, u => u.JobsSucceeded + ok)
                .SetProperty(u => u.JobsFailed, u => u.JobsFailed + bad), ct);
    }
}
