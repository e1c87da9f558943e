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
/// queue: the runner starts a new attempt, and the attempt counter keeps the result single.
/// </summary>
internal sealed class UnfinishedJobRecovery(IServiceScopeFactory scopes, ILogger<UnfinishedJobRecovery> log) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeapDbContext>();
        var scheduler = scope.ServiceProvider.GetRequiredService<IJobScheduler>();
        var unfinished = await db.Jobs.Where(j => j.Status == JobStatus.Queued || j.Status == JobStatus.Running)
            .OrderBy(j => j.CreatedAt).Select(j => new { j.Id, j.Queue }).ToListAsync(ct);
        foreach (var job in unfinished)
        {
            var hangfireId = scheduler.Enqueue(job.Id, job.Queue);
            await db.Jobs.Where(j => j.Id == job.Id).ExecuteUpdateAsync(s => s.SetProperty(j => j.HangfireJobId, hangfireId), ct);
        }
        if (unfinished.Count > 0) log.LogInformation("Re-enqueued {Count} unfinished job(s) after a restart", unfinished.Count);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
