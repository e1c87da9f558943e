using System.Collections.Concurrent;

namespace LeapEngine.Api.Limits;

/// <summary>
/// Counts in this process. Used in standalone mode (SQLite), where there is one API process: a
/// database write per request there would serialise every request on SQLite's single writer.
/// </summary>
public sealed class InMemoryRateCounter(TimeProvider clock) : IRateCounter
{
    /// <summary>Past this many tracked buckets, windows that have ended are dropped (bounds memory under a spray of addresses).</summary>
    private const int PruneAbove = 10_000;

    private readonly ConcurrentDictionary<string, Window> _windows = new();

    public Task<RateHit> HitAsync(string bucket, CancellationToken ct)
    {
        long now = clock.GetUtcNow().ToUnixTimeSeconds();
        long start = FixedWindow.StartOf(now);
        var w = _windows.AddOrUpdate(bucket, _ => new Window(start, 1),
            (_, w) => w.Start == start ? w with { Count = w.Count + 1 } : new Window(start, 1));
        if (_windows.Count > PruneAbove)
            foreach (var (key, old) in _windows)
                if (old.Start != start) _windows.TryRemove(key, out _);
        return Task.FromResult(new RateHit(w.Count, FixedWindow.ResetSeconds(now)));
    }

    private sealed record Window(long Start, int Count);
}
