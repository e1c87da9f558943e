using LeapEngine.Api.Auth;
using LeapEngine.Api.Errors;
using LeapEngine.Api.Streaming;
using LeapEngine.Data;
using LeapEngine.Data.Entities;
using LeapEngine.Data.Plans;
using Microsoft.Extensions.Options;

namespace LeapEngine.Api.OpenAi;

/// <summary>
/// What stands between a synchronous completion and the model, in the order the job routes apply it:
/// the key's tenant and plan, the model the plan allows, a held-connection slot (the plan's limit on
/// open connections, shared with event streams and long-polls), and a reservation of the plan's monthly
/// compute for the plan's upper bound, settled to the model tokens actually run however the request ends.
/// </summary>
public sealed class ServeAdmission(LeapDbContext db, IOptions<PlansOptions> plans, HeldConnections held,
    IOptions<StreamOptions> streams, ILogger<ServeAdmission> log)
{
    public sealed record Caller(Tenant Tenant, PlanLimits Plan);

    /// <summary>The caller's tenant and plan, or the problem that refuses it.</summary>
    public async Task<(Caller? Caller, ProblemResult? Problem)> CallerAsync(HttpContext context)
    {
        var tenant = await db.Tenants.FindAsync([context.User.TenantOf()], context.RequestAborted);
        if (tenant is null) return (null, Problems.Unauthorized("this key's tenant no longer exists"));
        var plan = plans.Value.Find(tenant.Plan);
        if (plan is null) return (null, Problems.PlanNotConfigured(tenant.Plan));
        db.ChangeTracker.Clear();
        return (new Caller(tenant, plan), null);
    }

    /// <summary>A slot and a reservation for <paramref name="tokens"/>; dispose the admission (after the run) to settle.</summary>
    public async Task<(Admitted? Admitted, ProblemResult? Problem)> AdmitAsync(Caller caller, long tokens, CancellationToken ct)
    {
        var slot = held.TryTake(caller.Tenant.Id, caller.Plan.HeldConnections);
        if (slot is null) return (null, Problems.TooManyInFlight(caller.Plan.HeldConnections, streams.Value.RetryAfterSeconds));
        try
        {
            var now = DateTime.UtcNow;
            if (!await QuotaLedger.ReserveComputeAsync(db, caller.Tenant.Id, caller.Plan, tokens, now, ct))
            {
                slot.Dispose();
                return (null, Problems.QuotaExceeded(
                    $"this request may use up to {tokens} model tokens, more than is left of the '{caller.Tenant.Plan}' plan's " +
                    $"{caller.Plan.ComputeTokensPerMonth} per month (GET /v1/usage shows what is left)"));
            }
            return (new Admitted(this, caller.Tenant.Id, QuotaLedger.MonthOf(now), tokens, slot), null);
        }
        catch
        {
            slot.Dispose();
            throw;
        }
    }

    private async Task SettleAsync(Guid tenantId, string month, long reserved, long used)
    {
        // The client may be gone (its token cancelled): the ledger is settled all the same, once, with one retry.
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await QuotaLedger.SettleComputeAsync(db, tenantId, month, reserved, used, CancellationToken.None);
                return;
            }
            catch (Exception e) when (attempt < 2)
            {
                log.LogWarning("Settling a completion's usage failed ({Error}); trying once more", e.GetType().Name);
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
            catch (Exception e)
            {
                log.LogError(e, "A completion's reservation of {Reserved} model tokens for tenant {TenantId} could not be settled", reserved, tenantId);
                return;
            }
        }
    }

    /// <summary>An admitted request: <see cref="SettleAsync(long)"/> once with the tokens it ran.</summary>
    public sealed class Admitted(ServeAdmission owner, Guid tenantId, string month, long reserved, HeldConnections.Slot slot)
    {
        private int _settled;
        public long Reserved { get; } = reserved;

        public async Task SettleAsync(long used)
        {
            if (Interlocked.Exchange(ref _settled, 1) == 1) return;
            try { await owner.SettleAsync(tenantId, month, Reserved, used); }
            finally { slot.Dispose(); }
        }
    }
}
