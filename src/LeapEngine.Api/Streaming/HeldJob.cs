using LeapEngine.Api.Auth;
using LeapEngine.Api.Errors;
using LeapEngine.Data;
using LeapEngine.Data.Entities;
using LeapEngine.Data.Plans;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LeapEngine.Api.Streaming;

/// <summary>
/// A connection held open on one of the caller's unfinished jobs (an SSE stream or a long-poll):
/// one of the tenant's held-connection slots plus a subscription to the job, given back together
/// when it is disposed, whether the client left, the server ended it or it threw.
/// </summary>
public sealed class HeldJob : IDisposable
{
    private readonly HeldConnections.Slot _slot;

    private readonly CancellationToken _stopping;

    private HeldJob(HeldConnections.Slot slot, JobWatcher watcher, JobRecord job, CancellationToken stopping)
    {
        _slot = slot;
        Watcher = watcher;
        Job = job;
        _stopping = stopping;
    }

    public JobWatcher Watcher { get; }
    /// <summary>The job as read after subscribing (so no later change can be missed).</summary>
    public JobRecord Job { get; }

    /// <summary>Takes a slot and subscribes; a 429 problem (with Retry-After) when the tenant holds its plan's limit.</summary>
    public static async Task<(HeldJob? Held, ProblemResult? Refused)> OpenAsync(HttpContext context, LeapDbContext db, JobRecord job)
    {
        var services = context.RequestServices;
        var tenantId = context.User.TenantOf();
        var planName = await db.Tenants.AsNoTracking().Where(t => t.Id == tenantId).Select(t => t.Plan)
            .SingleOrDefaultAsync(context.RequestAborted);
        int limit = (planName is null ? null : services.GetRequiredService<IOptions<PlansOptions>>().Value.Find(planName))?.HeldConnections
                    ?? new PlanLimits().HeldConnections;
        var slot = services.GetRequiredService<HeldConnections>().TryTake(tenantId, limit);
        if (slot is null)
            return (null, Problems.TooManyHeldConnections(limit,
                services.GetRequiredService<IOptionsMonitor<StreamOptions>>().CurrentValue.RetryAfterSeconds));

        var keyId = Guid.TryParse(context.User.FindFirst(LeapClaims.KeyId)?.Value, out var k) ? k : (Guid?)null;
        var watcher = services.GetRequiredService<JobWatch>().Watch(job.Id, keyId);
        try
        {
            var current = await db.Jobs.AsNoTracking().SingleAsync(j => j.Id == job.Id, context.RequestAborted);
            return (new HeldJob(slot, watcher, current, services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping), null);
        }
        catch
        {
            watcher.Dispose();
            slot.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The job once it is final or <paramref name="wait"/> has passed (its latest state then; also
    /// at once when the server is stopping), or null when the caller's key was revoked meanwhile.
    /// </summary>
    public async Task<JobRecord?> WaitFinalAsync(TimeSpan wait, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct, _stopping);
        deadline.CancelAfter(wait);
        var job = Job;
        while (!JobStatus.IsFinal(job.Status))
        {
            var next = await Watcher.NextAsync(job, deadline.Token);
            if (Watcher.KeyRevoked) return null;
            if (next is null) break;
            job = next;
        }
        return job;
    }

    public void Dispose()
    {
        Watcher.Dispose();
        _slot.Dispose();
    }
}
