using Hangfire;
using LeapEngine.Jobs.Execution;

namespace LeapEngine.Jobs.Scheduling;

/// <summary>The one way code puts a job on a queue: by id, never with its payload.</summary>
public interface IJobScheduler
{
    /// <summary>
    /// Enqueues the job row <paramref name="jobId"/> on <paramref name="queue"/> (after
    /// <paramref name="delay"/>, when given); returns the Hangfire job id. <paramref name="type"/>
    /// only names the entry on the dashboard.
    /// </summary>
    string Enqueue(Guid jobId, string type, string queue, TimeSpan? delay = null);
}

/// <remarks>
/// Queue-aware creation (Hangfire 1.8): the queue is stored with the job itself, so every later
/// state change (a delayed run becoming due, a requeue from the dashboard, a dead worker's job
/// reappearing) puts it back on the queue its workers read, never on "default".
/// </remarks>
internal sealed class HangfireJobScheduler(IBackgroundJobClient client) : IJobScheduler
{
    public string Enqueue(Guid jobId, string type, string queue, TimeSpan? delay = null) =>
        delay is { } d && d > TimeSpan.Zero
            ? client.Schedule<JobRunner>(queue, r => r.RunAsync(jobId, type, null, CancellationToken.None), d)
            : client.Enqueue<JobRunner>(queue, r => r.RunAsync(jobId, type, null, CancellationToken.None));
}
