using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using LeapEngine.Api.Hosting;
using LeapEngine.Api.Limits;
using Microsoft.Extensions.Options;

namespace LeapEngine.Api.Auth;

/// <summary>
/// Leap:Api:FailedAuthPerMinute failures per client in fixed one-minute windows; past that, the
/// client waits for the window's end and its keys are not even looked up (each attempt would
/// otherwise cost a database query). IPv6 clients are counted per /64, the block one host
/// usually holds, so rotating through its addresses does not reset the count.
/// </summary>
/// <remarks>
/// Failures are counted by <see cref="IRateCounter"/>, shared by all API replicas on PostgreSQL.
/// The verdict "this client must wait" is kept in this process once a failure it counted reached the
/// limit, so a request with a good key (or a throttled one) costs no counting round trip. A replica
/// learns of the block on the client's first failure there, so N replicas allow at most
/// limit + N - 1 failures a window, not N times the limit.
/// </remarks>
public sealed class AuthFailureThrottle(IRateCounter counter, IOptions<ApiOptions> options, TimeProvider clock) : IAuthFailureThrottle
{
    private const int PruneAbove = 10_000;
    private readonly ConcurrentDictionary<IPAddress, DateTimeOffset> _blockedUntil = new();

    public TimeSpan? RetryAfter(IPAddress client)
    {
        if (!_blockedUntil.TryGetValue(Key(client), out var until)) return null;
        var wait = until - clock.GetUtcNow();
        return wait > TimeSpan.Zero ? wait : null;
    }

    public async Task RecordFailureAsync(IPAddress client, CancellationToken ct)
    {
        var key = Key(client);
        var hit = await counter.HitAsync($"auth:{key}", ct);
        if (hit.Count < options.Value.FailedAuthPerMinute) return;
        var now = clock.GetUtcNow();
        _blockedUntil[key] = now.AddSeconds(hit.ResetSeconds);
        if (_blockedUntil.Count > PruneAbove)
            foreach (var (k, until) in _blockedUntil)
                if (until <= now) _blockedUntil.TryRemove(k, out _);
    }

    private static IPAddress Key(IPAddress client)
    {
        if (client.IsIPv4MappedToIPv6) return client.MapToIPv4();
        if (client.AddressFamily != AddressFamily.InterNetworkV6) return client;
        var bytes = client.GetAddressBytes();
        Array.Clear(bytes, 8, 8);                                   // keep the /64 network
        return new IPAddress(bytes);
    }
}
