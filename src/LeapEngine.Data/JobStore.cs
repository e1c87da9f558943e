using LeapEngine.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace LeapEngine.Data;

/// <summary>
/// The job row's state machine. Every transition is a conditional UPDATE, so two workers that
/// both hold a job (a retry after a presumed-dead worker) cannot both store a result: only the
/// latest attempt may move a job on, and a final status is never left again.
/// </summary>
public static class JobStore
{
    /// <summary>
    /// Claims a job for a new attempt: queued or running (a retry, or a restart after a worker
    /// died) becomes running with attempt + 1 and <paramref name="hangfireJobId"/> as its owner.
    /// Only the Hangfire job the row names (or any, while the row names none: an enqueue still
    /// pending) may claim it, so a duplicate queue entry left by a crash runs nothing. Returns the
    /// row with the new attempt, or null when the job is gone, final or owned by another entry.
    /// </summary>
    public static async Task<JobRecord?> StartAttemptAsync(LeapDbContext db, Guid jobId, string? hangfireJobId, DateTime now,
        CancellationToken ct)
    {
        var job = await db.Jobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == jobId, ct);
        if (job is null || JobStatus.IsFinal(job.Status)) return null;
        int attempt = job.Attempt;
        int claimed = await db.Jobs
            .Where(j => j.Id == jobId && j.Attempt == attempt && (j.Status == JobStatus.Queued || j.Status == JobStatus.Running)
                        && (hangfireJobId == null || j.HangfireJobId == null || j.HangfireJobId == hangfireJobId))
            .ExecuteUpdateAsync(s => s
                .SetProperty(j => j.Status, JobStatus.Running)
                .SetProperty(j => j.Attempt, attempt + 1)
                .SetProperty(j => j.HangfireJobId, j => hangfireJobId ?? j.HangfireJobId)
                .SetProperty(j => j.StartedAt, j => j.StartedAt ?? now)
                .SetProperty(j => j.ProgressDone, 0L)
                .SetProperty(j => j.ProgressMessage, (string?)null)
                // A job cancelled while it waited for a retry keeps what its failed attempt used: that is its charge.
                .SetProperty(j => j.UsedTokens, j => j.CancelRequested ? j.UsedTokens : null)
                .SetProperty(j => j.UpdatedAt, now), ct);
        if (claimed == 0) return null;   // another worker claimed it meanwhile, it was cancelled, or another entry owns it
        job.Status = JobStatus.Running;
        job.Attempt = attempt + 1;
        job.HangfireJobId = hangfireJobId ?? job.HangfireJobId;
        job.StartedAt ??= now;
        if (!job.CancelRequested) job.UsedTokens = null;
        return job;
    }

    /// <summary>
    /// Puts a running attempt back in the queue after a failure it may recover from: status
    /// queued, no owning Hangfire job (the caller schedules the retry and records it with
    /// <see cref="SetHangfireJobAsync"/>; if it cannot, the reconciler does). False when the
    /// attempt no longer owns the job.
    /// </summary>
    /// <param name="usedTokens">What the failed attempt used: charged if the job is cancelled before the retry runs.</param>
    public static async Task<bool> RequeueAsync(LeapDbContext db, Guid jobId, int attempt, string message, long usedTokens, DateTime now,
        CancellationToken ct) =>
        await db.Jobs.Where(j => j.Id == jobId && j.Attempt == attempt && j.Status == JobStatus.Running)
            .ExecuteUpdateAsync(s => s
                .SetProperty(j => j.Status, JobStatus.Queued)
                .SetProperty(j => j.UsedTokens, usedTokens)
                .SetProperty(j => j.HangfireJobId, (string?)null)
                .SetProperty(j => j.ProgressMessage, message)
                .SetProperty(j => j.UpdatedAt, now), ct) == 1;

    /// <summary>
    /// A stopping worker gives a running attempt back unfinished: status queued, the attempt not
    /// counted against the retry limit (<see cref="JobRecord.HandedBack"/>), nothing charged (the
    /// work is redone by the next attempt, and only that one is billed). The row keeps naming its
    /// Hangfire job, which the worker's server puts straight back on the job's own queue, so the
    /// next worker claims it at once. False when the attempt no longer owns the job (cancelled,
    /// ended or taken over meanwhile: whoever did that ends it).
    /// </summary>
    public static async Task<bool> HandBackAsync(LeapDbContext db, Guid jobId, int attempt, string message, DateTime now,
        CancellationToken ct) =>
        await db.Jobs.Where(j => j.Id == jobId && j.Attempt == attempt && j.Status == JobStatus.Running)
            .ExecuteUpdateAsync(s => s
                .SetProperty(j => j.Status, JobStatus.Queued)
                .SetProperty(j => j.HandedBack, j => j.HandedBack + 1)
                .SetProperty(j => j.UsedTokens, (long?)null)
                .SetProperty(j => j.ProgressDone, 0L)
                .SetProperty(j => j.ProgressMessage, message)
                .SetProperty(j => j.UpdatedAt, now), ct) == 1;

    /// <summary>Records the Hangfire job that will run the row next, if the row is waiting for one (outbox drained).</summary>
    public static async Task<bool> SetHangfireJobAsync(LeapDbContext db, Guid jobId, string hangfireJobId, CancellationToken ct) =>
        await db.Jobs.Where(j => j.Id == jobId && j.HangfireJobId == null && j.Status != JobStatus.Succeeded
                                 && j.Status != JobStatus.Failed && j.Status != JobStatus.Cancelled)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.HangfireJobId, hangfireJobId), ct) == 1;

    /// <summary>
    /// Forgets a Hangfire job that can no longer run the row (gone, or ended without finishing
    /// it), so a new queue entry may claim it. False when the row moved on meanwhile.
    /// </summary>
    public static async Task<bool> ReleaseHangfireJobAsync(LeapDbContext db, Guid jobId, string hangfireJobId, CancellationToken ct) =>
        await db.Jobs.Where(j => j.Id == jobId && j.HangfireJobId == hangfireJobId
                                 && (j.Status == JobStatus.Queued || j.Status == JobStatus.Running))
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.HangfireJobId, (string?)null), ct) == 1;

    /// <summary>
    /// Writes progress of the given attempt, with the model tokens it has used so far (what a job
    /// ended by the reconciler is charged); false when that attempt no longer owns the job.
    /// </summary>
    public static async Task<bool> ReportProgressAsync(LeapDbContext db, Guid jobId, int attempt, long done, long total,
        string unit, string? message, long usedTokens, DateTime now, CancellationToken ct) =>
        await db.Jobs.Where(j => j.Id == jobId && j.Attempt == attempt && j.Status == JobStatus.Running)
            .ExecuteUpdateAsync(s => s
                .SetProperty(j => j.UsedTokens, usedTokens)
                .SetProperty(j => j.ProgressDone, done)
                .SetProperty(j => j.ProgressTotal, total)
                .SetProperty(j => j.ProgressUnit, unit)
                .SetProperty(j => j.ProgressMessage, message)
                .SetProperty(j => j.UpdatedAt, now), ct) == 1;

    /// <summary>Whether a client asked to cancel the job (or it was already moved to a final status).</summary>
    public static async Task<bool> ShouldStopAsync(LeapDbContext db, Guid jobId, int attempt, CancellationToken ct) =>
        !await db.Jobs.AnyAsync(j => j.Id == jobId && j.Attempt == attempt && j.Status == JobStatus.Running && !j.CancelRequested, ct);

    /// <summary>How a job ended.</summary>
    public sealed record Outcome(string Status, long UsedTokens, string? ResultJson = null, byte[]? ResultBytes = null,
        string? ErrorCode = null, string? ErrorMessage = null);

    /// <summary>
    /// Moves the job to its final status and settles its quota in one transaction, if
    /// <paramref name="attempt"/> still owns it (null: only from queued, e.g. a client cancel
    /// before any worker started it). Returns whether this call finished the job.
    /// </summary>
    public static Task<bool> FinishAsync(LeapDbContext db, JobRecord job, int? attempt, Outcome outcome, DateTime now,
        CancellationToken ct) =>
        attempt is { } a
            ? FinishFromAsync(db, job, JobStatus.Running, a, outcome, now, ct)
            : FinishFromAsync(db, job, JobStatus.Queued, null, outcome, now, ct);

    /// <summary>
    /// Finishes the job if it is still in <paramref name="fromStatus"/> (and at
    /// <paramref name="attempt"/>, when given): the reconciler ends a job exactly as it last saw it,
    /// so a worker that moved it on meanwhile wins.
    /// </summary>
    public static async Task<bool> FinishFromAsync(LeapDbContext db, JobRecord job, string fromStatus, int? attempt, Outcome outcome,
        DateTime now, CancellationToken ct)
    {
        if (!JobStatus.IsFinal(outcome.Status)) throw new ArgumentException($"'{outcome.Status}' is not a final status");
        if (JobStatus.IsFinal(fromStatus)) throw new ArgumentException($"a job in '{fromStatus}' is already final");
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async () =>
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var rows = db.Jobs.Where(j => j.Id == job.Id && j.Status == fromStatus);
            if (attempt is { } a) rows = rows.Where(j => j.Attempt == a);
            bool succeeded = outcome.Status == JobStatus.Succeeded;
            long charged = QuotaLedger.Chargeable(job, outcome.UsedTokens);   // the job row shows what the ledger charges
            int moved = await rows.ExecuteUpdateAsync(s => s
                .SetProperty(j => j.Status, outcome.Status)
                .SetProperty(j => j.FinishedAt, now)
                .SetProperty(j => j.UpdatedAt, now)
                .SetProperty(j => j.UsedTokens, charged)
                .SetProperty(j => j.ResultJson, outcome.ResultJson)
                .SetProperty(j => j.ResultBytes, outcome.ResultBytes)
                .SetProperty(j => j.ErrorCode, outcome.ErrorCode)
                .SetProperty(j => j.ErrorMessage, outcome.ErrorMessage)
                .SetProperty(j => j.ProgressDone, j => succeeded ? j.ProgressTotal : j.ProgressDone), ct);
            if (moved == 0) return false;
            await QuotaLedger.SettleAsync(db, job, charged, succeeded, ct);
            await tx.CommitAsync(ct);
            return true;
        });
    }
}
