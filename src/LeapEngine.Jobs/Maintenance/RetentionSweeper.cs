using LeapEngine.Data;
using LeapEngine.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LeapEngine.Jobs.Maintenance;

/// <summary>
/// Deletes finished jobs (with their results) older than Leap:Database:RetentionDays, and
/// idempotency records older than a day (the window in which a client may replay a POST).
/// </summary>
public sealed class RetentionSweeper(IServiceScopeFactory scopes, IOptions<DataOptions> options, ILogger<RetentionSweeper> log)
    : BackgroundService
{
    public static readonly TimeSpan IdempotencyWindow = TimeSpan.FromHours(24);

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(10));
        do
        {
            try { await SweepAsync(ct); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning(e, "Retention sweep failed; retrying at the next tick");
            }
        } while (await timer.WaitForNextTickAsync(ct));
    }

    private async Task SweepAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeapDbContext>();
        int deleted = await SweepAsync(db, options.Value.RetentionDays, DateTime.UtcNow, ct);
        if (deleted > 0) log.LogInformation("Retention: deleted {Count} finished job(s)", deleted);
    }

    /// <summary>One sweep as of <paramref name="now"/>; returns the number of jobs deleted. Queued and running jobs are never touched.</summary>
    public static async Task<int> SweepAsync(LeapDbContext db, int retentionDays, DateTime now, CancellationToken ct)
    {
        var keysBefore = now - IdempotencyWindow;
        await db.IdempotencyRecords.Where(r => r.CreatedAt < keysBefore).ExecuteDeleteAsync(ct);
        // A job keeps its key only as long as the key's record would: after the window the key is the client's again.
        await db.Jobs.Where(j => j.IdempotencyKey != null && j.CreatedAt < keysBefore)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.IdempotencyKey, (string?)null), ct);
        if (retentionDays == 0) return 0;
        var jobsBefore = now.AddDays(-retentionDays);
        return await db.Jobs
            .Where(j => (j.Status == JobStatus.Succeeded || j.Status == JobStatus.Failed || j.Status == JobStatus.Cancelled)
                        && j.FinishedAt < jobsBefore)
            .ExecuteDeleteAsync(ct);
    }
}
