using Hangfire;
using Hangfire.States;
using LeapEngine.Data;
using LeapEngine.Data.Entities;
using LeapEngine.Jobs.Scheduling;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LeapEngine.Jobs.Maintenance;

/// <summary>What one reconciliation pass repaired.</summary>
public sealed record ReconcileReport(int Enqueued, int Reenqueued, int Failed, int Cancelled, int IdempotencyKeysFreed)
{
    public int Total => Enqueued + Reenqueued + Failed + Cancelled + IdempotencyKeysFreed;
}

/// <summary>
/// Repairs what a crash or an outage leaves behind, so every accepted job ends. Runs every
/// <see cref="JobsOptions.ReconcileIntervalSeconds"/> in every process that hosts the job
/// machinery (API replicas and workers alike); each repair is a conditional update, so two
/// reconcilers (or a reconciler and a worker) racing on one row cannot both act on it.
/// <list type="bullet">
/// <item>a committed job with no queue entry (the submitter or a retry died before enqueueing): enqueued;</item>
/// <item>an unfinished job whose Hangfire entry is gone, ended, or sits on a queue that is not the job's
/// (no worker reads it): re-enqueued, or failed once its attempts are used up;</item>
/// <item>a running job still going <see cref="JobsOptions.CancelGraceSeconds"/> after a cancel request (its
/// worker is gone or stuck): cancelled, charged what its last progress report had used;</item>
/// <item>an Idempotency-Key still "being handled" long after any request could be (the API died mid-request): freed.</item>
/// </list>
/// A dead worker's running job needs none of this: Hangfire hands it to another worker after the
/// invisibility timeout.
/// </summary>
public sealed class JobReconciler(IServiceScopeFactory scopes, JobStorage storage, IBackgroundJobClient client,
    IOptions<JobsOptions> options, ILogger<JobReconciler> log) : BackgroundService
{
    private readonly JobsOptions _options = options.Value;
    private const int Batch = 500;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(_options.ReconcileIntervalSeconds));
        do
        {
            try
            {
                var report = await ReconcileOnceAsync(stoppingToken);
                if (report.Total > 0) log.LogWarning("Reconciler repaired jobs: {Report}", report);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // A database outage: nothing to repair until it is back, and the next tick tries again.
                log.LogWarning("Reconciler pass skipped: {Error}", e.GetType().Name);
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>One pass over every repair (public for tests and operators' drills).</summary>
    public async Task<ReconcileReport> ReconcileOnceAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeapDbContext>();
        var scheduler = scope.ServiceProvider.GetRequiredService<IJobScheduler>();
        var now = DateTime.UtcNow;

        int enqueued = await DrainOutboxAsync(db, scheduler, now, ct);
        var (reenqueued, failed) = await RepairOrphansAsync(db, scheduler, now, ct);
        int cancelled = await EndUnansweredCancelsAsync(db, now, ct);
        var stuckBefore = now.AddSeconds(-_options.IdempotencyTakeoverSeconds);
        int freed = await db.IdempotencyRecords.Where(r => r.StatusCode == null && r.CreatedAt < stuckBefore).ExecuteDeleteAsync(ct);
        return new ReconcileReport(enqueued, reenqueued, failed, cancelled, freed);
    }

    private async Task<int> DrainOutboxAsync(LeapDbContext db, IJobScheduler scheduler, DateTime now, CancellationToken ct)
    {
        var before = now.AddSeconds(-_options.EnqueueGraceSeconds);
        var pending = await db.Jobs.AsNoTracking()
            .Where(j => (j.Status == JobStatus.Queued || j.Status == JobStatus.Running) && j.HangfireJobId == null && j.UpdatedAt < before)
            .OrderBy(j => j.UpdatedAt).Take(Batch).ToListAsync(ct);
        int count = 0;
        foreach (var job in pending)
        {
            if (await JobStore.SetHangfireJobAsync(db, job.Id, scheduler.Enqueue(job.Id, job.Type, job.Queue), ct)) count++;
        }
        return count;
    }

    private async Task<(int Reenqueued, int Failed)> RepairOrphansAsync(LeapDbContext db, IJobScheduler scheduler, DateTime now,
        CancellationToken ct)
    {
        var before = now.AddSeconds(-_options.OrphanCheckAfterSeconds);
        var candidates = await db.Jobs.AsNoTracking()
            .Where(j => (j.Status == JobStatus.Queued || j.Status == JobStatus.Running) && j.HangfireJobId != null && j.UpdatedAt < before)
            .OrderBy(j => j.UpdatedAt).Take(Batch).ToListAsync(ct);
        int reenqueued = 0, failed = 0;
        using var connection = storage.GetConnection();
        foreach (var job in candidates)
        {
            var hangfireId = job.HangfireJobId!;
            if (CanStillRun(connection, hangfireId, job.Queue)) continue;
            // The entry will never run this row: take it off any queue it still sits on, then replace it.
            client.Delete(hangfireId);
            if (job.CountedAttempts >= _options.MaxAttempts)
            {
                var outcome = new JobStore.Outcome(JobStatus.Failed, job.UsedTokens ?? 0, ErrorCode: "internal_error",
                    ErrorMessage: $"the job failed {job.CountedAttempts} times without finishing");
                if (await JobStore.FinishFromAsync(db, job, job.Status, job.Attempt, outcome, now, ct)) failed++;
            }
            else if (await JobStore.ReleaseHangfireJobAsync(db, job.Id, hangfireId, ct)
                     && await JobStore.SetHangfireJobAsync(db, job.Id, scheduler.Enqueue(job.Id, job.Type, job.Queue), ct))
                reenqueued++;
        }
        return (reenqueued, failed);
    }

    /// <summary>Whether the Hangfire entry may still run its row: waiting, due later, or running on the row's own queue.</summary>
    private static bool CanStillRun(Hangfire.Storage.IStorageConnection connection, string hangfireId, string queue)
    {
        var state = connection.GetStateData(hangfireId);
        if (state is null) return false;   // gone: expired, or a forgotten in-memory queue
        if (state.Name == EnqueuedState.StateName)
        {
            // A queue-aware job (Hangfire 1.8) goes to its own queue whatever the state names; an older one to the state's.
            var effective = connection.GetJobData(hangfireId)?.Job?.Queue ?? (state.Data.TryGetValue("Queue", out var q) ? q : null);
            return effective == queue;
        }
        // Otherwise only succeeded, failed or deleted remain: ended without ending the row.
        return state.Name == ScheduledState.StateName || state.Name == ProcessingState.StateName || state.Name == AwaitingState.StateName;
    }

    private async Task<int> EndUnansweredCancelsAsync(LeapDbContext db, DateTime now, CancellationToken ct)
    {
        var before = now.AddSeconds(-_options.CancelGraceSeconds);
        var stuck = await db.Jobs.AsNoTracking()
            .Where(j => (j.Status == JobStatus.Queued || j.Status == JobStatus.Running) && j.CancelRequested
                        && (j.CancelRequestedAt ?? j.UpdatedAt) < before)   // rows cancelled before the column existed have no time
            .Take(Batch).ToListAsync(ct);
        int count = 0;
        foreach (var job in stuck)
        {
            var outcome = new JobStore.Outcome(JobStatus.Cancelled, job.UsedTokens ?? 0, ErrorCode: "cancelled",
                ErrorMessage: "cancelled at the client's request (its worker did not stop in time, so the engine ended it)");
            if (await JobStore.FinishFromAsync(db, job, job.Status, job.Status == JobStatus.Running ? job.Attempt : null, outcome, now, ct))
                count++;
        }
        return count;
    }
}
