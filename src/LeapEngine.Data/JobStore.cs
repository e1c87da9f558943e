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
    /// Claims a job for a new attempt: queued or running (a retry) becomes running with
    /// attempt + 1. Returns the row with the new attempt, or null when the job is gone or final.
    /// </summary>
    public static async Task<JobRecord?> StartAttemptAsync(LeapDbContext db, Guid jobId, DateTime now, CancellationToken ct)
    {
        var job = await db.Jobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == jobId, ct);
        if (job is null || JobStatus.IsFinal(job.Status)) return null;
        int attempt = job.Attempt;
        int claimed = await db.Jobs
            .Where(j => j.Id == jobId && j.Attempt == attempt && (j.Status == JobStatus.Queued || j.Status == JobStatus.Running))
            .ExecuteUpdateAsync(s => s
                .SetProperty(j => j.Status, JobStatus.Running)
                .SetProperty(j => j.Attempt, attempt + 1)
                .SetProperty(j => j.StartedAt, j => j.StartedAt ?? now)
                .SetProperty(j => j.ProgressDone, 0L)
                .SetProperty(j => j.UpdatedAt, now), ct);
        if (claimed == 0) return null;   // another worker claimed it meanwhile, or it was cancelled
        job.Status = JobStatus.Running;
        job.Attempt = attempt + 1;
        job.StartedAt ??= now;
        return job;
    }

    /// <summary>Writes progress of the given attempt; false when that attempt no longer owns the job.</summary>
    public static async Task<bool> ReportProgressAsync(LeapDbContext db, Guid jobId, int attempt, long done, long total,
        string unit, string? message, DateTime now, CancellationToken ct) =>
        await db.Jobs.Where(j => j.Id == jobId && j.Attempt == attempt && j.Status == JobStatus.Running)
            .ExecuteUpdateAsync(s => s
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
    public static async Task<bool> FinishAsync(LeapDbContext db, JobRecord job, int? attempt, Outcome outcome, DateTime now,
        CancellationToken ct)
    {
        if (!JobStatus.IsFinal(outcome.Status)) throw new ArgumentException($"'{outcome.Status}' is not a final status");
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async () =>
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var rows = attempt is { } a
                ? db.Jobs.Where(j => j.Id == job.Id && j.Attempt == a && j.Status == JobStatus.Running)
                : db.Jobs.Where(j => j.Id == job.Id && j.Status == JobStatus.Queued);
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
