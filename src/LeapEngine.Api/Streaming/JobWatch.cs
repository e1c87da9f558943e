using LeapEngine.Data.Entities;

namespace LeapEngine.Api.Streaming;

/// <summary>
/// The jobs this API process's streams and long-polls are waiting on. They subscribe here
/// instead of polling the database each: <see cref="JobWatchPoller"/> reads the rows of every
/// watched job in one query per tick and fans each new state out to that job's watchers.
/// (300 streams that each polled every 250 ms drove ~2,500 database transactions a second.)
/// </summary>
public sealed class JobWatch
{
    private readonly object _gate = new();
    private readonly Dictionary<Guid, List<JobWatcher>> _byJob = [];

    /// <summary>
    /// Subscribes to <paramref name="jobId"/>. Read the row after this call, not before: every change
    /// committed after that read then reaches the watcher.
    /// </summary>
    public JobWatcher Watch(Guid jobId, Guid? keyId)
    {
        var watcher = new JobWatcher(this, jobId, keyId);
        lock (_gate)
        {
            if (!_byJob.TryGetValue(jobId, out var list)) _byJob[jobId] = list = [];
            list.Add(watcher);
        }
        return watcher;
    }

    /// <summary>Connections waiting now, over all jobs.</summary>
    public int WatcherCount
    {
        get { lock (_gate) return _byJob.Values.Sum(l => l.Count); }
    }

    internal void Remove(JobWatcher watcher)
    {
        lock (_gate)
        {
            if (!_byJob.TryGetValue(watcher.JobId, out var list)) return;
            list.Remove(watcher);
            if (list.Count == 0) _byJob.Remove(watcher.JobId);
        }
    }

    internal List<Guid> WatchedJobs()
    {
        lock (_gate) return [.. _byJob.Keys];
    }

    internal List<Guid> WatchedKeys()
    {
        lock (_gate) return [.. _byJob.Values.SelectMany(l => l).Select(w => w.KeyId).OfType<Guid>().Distinct()];
    }

    /// <summary>Offers a new state of a job to everyone watching it.</summary>
    internal void Publish(JobRecord job)
    {
        List<JobWatcher> watchers;
        lock (_gate) watchers = _byJob.TryGetValue(job.Id, out var list) ? [.. list] : [];
        foreach (var watcher in watchers) watcher.Offer(job);
    }

    /// <summary>Ends every connection opened with one of <paramref name="keyIds"/>.</summary>
    internal void EndKeys(IReadOnlySet<Guid> keyIds)
    {
        // Copied under the lock, acted on outside it: cancelling runs the waiting connection's continuations.
        List<JobWatcher> revoked;
        lock (_gate) revoked = [.. _byJob.Values.SelectMany(l => l).Where(w => w.KeyId is { } k && keyIds.Contains(k))];
        foreach (var watcher in revoked) watcher.Revoke();
    }
}
