using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using LeapEngine.Api.Hosting;
using Microsoft.Extensions.Options;

namespace LeapEngine.Api.Auth;

/// <summary>
/// Leap:Api:FailedAuthPerMinute failures per client in fixed one-minute windows; past that, the
/// client waits for the window's end and its keys are not even looked up (each attempt would
/// otherwise cost a database query). IPv6 clients are counted per /64, the block one host
/// usually holds, so rotating through its addresses does not reset the count. Counts are per
/// process (see <see cref="IAuthFailureThrottle"/>).
/// </summary>
public sealed class InMemoryAuthFailureThrottle(IOptions<ApiOptions> options, TimeProvider clock) : IAuthFailureThrottle
{
    private const int WindowSeconds = 60;
    /// <summary>Past this many tracked clients, windows that have ended are dropped (bounds memory under a spray of addresses).</summary>
    private const int PruneAbove = 10_000;

    private readonly ConcurrentDictionary<IPAddress, Window> _windows = new();

    public TimeSpan? RetryAfter(IPAddress client)
    {
        long now = clock.GetUtcNow().ToUnixTimeSeconds();
        if (!_windows.TryGetValue(Key(client), out var w) || w.Start != WindowStart(now)) return null;
        return w.Count >= options.Value.FailedAuthPerMinute ? TimeSpan.FromSeconds(w.Start + WindowSeconds - now) : null;
    }

    public void RecordFailure(IPAddress client)
    {
        long start = WindowStart(clock.GetUtcNow().ToUnixTimeSeconds());
        _windows.AddOrUpdate(Key(client), _ => new Window(start, 1),
            (_, w) => w.Start == start ? w with { Count = w.Count + 1 } : new Window(start, 1));
        if (_windows.Count > PruneAbove)
            foreach (var (key, w) in _windows)
                if (w.Start != start) _windows.TryRemove(key, out _);
    }

    private static long WindowStart(long now) => now - now % WindowSeconds;

    private static IPAddress Key(IPAddress client)
    {
        if (client.IsIPv4MappedToIPv6) return client.MapToIPv4();
        if (client.AddressFamily != AddressFamily.InterNetworkV6) return client;
        var bytes = client.GetAddressBytes();
        Array.Clear(bytes, 8, 8);                                   // keep the /64 network
        return new IPAddress(bytes);
    }

    private sealed record Window(long Start, int Count);
}
