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
internal sealed class RetentionSweeper(IServiceScopeFactory scopes, IOptions<DataOptions> options, ILogger<RetentionSweeper> log)
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
        var now = DateTime.UtcNow;
        var keysBefore = now - IdempotencyWindow;
        await db.IdempotencyRecords.Where(r => r.CreatedAt < keysBefore).ExecuteDeleteAsync(ct);
        if (options.Value.RetentionDays == 0) return;
        var jobsBefore = now.AddDays(-options.Value.RetentionDays);
        int deleted = await db.Jobs
            .Where(j => (j.Status == JobStatus.Succeeded || j.Status == JobStatus.Failed || j.Status == JobStatus.Cancelled)
                        && j.FinishedAt < jobsBefore)
            .ExecuteDeleteAsync(ct);
        if (deleted > 0) log.LogInformation("Deleted {Count} job(s) finished before {Before:u}", deleted, jobsBefore);
    }
}
