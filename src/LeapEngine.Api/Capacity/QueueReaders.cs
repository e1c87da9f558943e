using Hangfire;
using LeapEngine.Api.Hosting;
using Microsoft.Extensions.Options;

namespace LeapEngine.Api.Capacity;

/// <summary>
/// Which queues live workers read, from Hangfire's server list (each server records its queues and a
/// heartbeat). A queued job on a queue no live worker reads is "provisioning": its model class has no
/// worker up (scaled to zero, or never started). The list is read at most once per
/// <see cref="CacheFor"/>, so a burst of job reads costs one storage query.
/// </summary>
public sealed class QueueReaders(JobStorage storage, IOptions<ApiOptions> options, TimeProvider clock)
{
    internal static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(2);

    private readonly object _lock = new();
    private (DateTimeOffset At, IReadOnlySet<string> Queues)? _cached;

    /// <summary>Whether a worker with a recent heartbeat reads <paramref name="queue"/>; null when the job storage cannot be asked.</summary>
    public bool? HasLiveReader(string queue)
    {
        var now = clock.GetUtcNow();
        lock (_lock)
            if (_cached is { } c && now - c.At < CacheFor) return c.Queues.Contains(queue);
        HashSet<string> queues;
        try
        {
            var cutoff = now.UtcDateTime.AddSeconds(-options.Value.WorkerHeartbeatSeconds);
            queues = storage.GetMonitoringApi().Servers()
                .Where(s => s.Heartbeat is { } h && (h.Kind == DateTimeKind.Local ? h.ToUniversalTime() : h) >= cutoff)
                .SelectMany(s => s.Queues).ToHashSet(StringComparer.Ordinal);
        }
        catch (Exception)
        {
            return null;   // the job view still answers; it just cannot say whether a worker is up
        }
        lock (_lock) _cached = (now, queues);
        return queues.Contains(queue);
    }
}
