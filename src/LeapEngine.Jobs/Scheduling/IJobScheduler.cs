using Hangfire;
using Hangfire.States;
using LeapEngine.Jobs.Execution;

namespace LeapEngine.Jobs.Scheduling;

/// <summary>The one way code puts a job on a queue: by id, never with its payload.</summary>
public interface IJobScheduler
{
    /// <summary>Enqueues the job row <paramref name="jobId"/> on <paramref name="queue"/>; returns the Hangfire job id.</summary>
    string Enqueue(Guid jobId, string queue);
}

internal sealed class HangfireJobScheduler(IBackgroundJobClient client) : IJobScheduler
{
    public string Enqueue(Guid jobId, string queue) =>
        client.Create<JobRunner>(r => r.RunAsync(jobId, null, CancellationToken.None), new EnqueuedState(queue));
}
