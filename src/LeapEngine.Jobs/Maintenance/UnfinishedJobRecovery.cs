using LeapEngine.Data;
using LeapEngine.Data.Entities;
using LeapEngine.Jobs.Scheduling;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LeapEngine.Jobs.Maintenance;

/// <summary>
/// Standalone mode keeps Hangfire's queue in memory, so a restart forgets it; the jobs table
/// (SQLite, on disk) does not. At start this puts every queued or running job back on its
/// queue at once (rather than after the reconciler's grace period): the runner starts a new
/// attempt, and the attempt counter keeps the result single.
/// </summary>
internal sealed class UnfinishedJobRecovery(IServiceScopeFactory scopes, ILogger<UnfinishedJobRecovery> log) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeapDbContext>();
        var scheduler = scope.ServiceProvider.GetRequiredService<IJobScheduler>();
        var unfinished = await db.Jobs.Where(j => j.Status == JobStatus.Queued || j.Status == JobStatus.Running)
            .OrderBy(j => j.CreatedAt).Select(j => new { j.Id, j.Type, j.Queue, j.HangfireJobId }).ToListAsync(ct);
        foreach (var job in unfinished)
        {
            // The in-memory entries that owned these rows died with the last process. Conditional on the id
            // seen, so a row the reconciler already re-enqueued (and a worker may have claimed) is left alone.
            if (job.HangfireJobId is { } old && !await JobStore.ReleaseHangfireJobAsync(db, job.Id, old, ct)) continue;
            await JobStore.SetHangfireJobAsync(db, job.Id, scheduler.Enqueue(job.Id, job.Type, job.Queue), ct);
        }
        if (unfinished.Count > 0) log.LogInformation("Re-enqueued {Count} unfinished job(s) after a restart", unfinished.Count);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
