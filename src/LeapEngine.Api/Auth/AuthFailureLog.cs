using System.Collections.Concurrent;
using System.Net;
using LeapEngine.Api.Hosting;
using Microsoft.Extensions.Options;

namespace LeapEngine.Api.Auth;

/// <summary>
/// Failed authentications, logged as one summary line per period (Leap:Api:FailedAuthSummarySeconds)
/// instead of one line per attempt: a burst of wrong secrets must not flood the log (or the
/// disk it lives on). The line gives the count, the clients, the most frequent ones and how many
/// attempts were throttled.
/// </summary>
public sealed class AuthFailureLog(IOptions<ApiOptions> options, ILogger<AuthFailureLog> log) : BackgroundService
{
    /// <summary>Clients named one by one in a period; beyond, they are counted together (bounds memory under a spray of addresses).</summary>
    private const int MaxClients = 10_000;

    private ConcurrentDictionary<string, Tally> _tallies = new();

    public void Record(IPAddress? client, bool throttled)
    {
        var tallies = _tallies;
        var name = client?.ToString() ?? "unknown";
        if (tallies.Count >= MaxClients && !tallies.ContainsKey(name)) name = "others";
        var tally = tallies.GetOrAdd(name, _ => new Tally());
        Interlocked.Increment(ref tally.Failures);
        if (throttled) Interlocked.Increment(ref tally.Throttled);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = TimeSpan.FromSeconds(options.Value.FailedAuthSummarySeconds);
        using var timer = new PeriodicTimer(period);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) Flush(period);
        }
        catch (OperationCanceledException) { }
        Flush(period);
    }

    /// <summary>Logs and resets the tallies of the period just ended (nothing when there were no failures).</summary>
    public void Flush(TimeSpan period)
    {
        var ended = Interlocked.Exchange(ref _tallies, new ConcurrentDictionary<string, Tally>());
        if (ended.IsEmpty) return;
        long failures = ended.Values.Sum(t => Interlocked.Read(ref t.Failures));
        long throttled = ended.Values.Sum(t => Interlocked.Read(ref t.Throttled));
        var top = string.Join(", ", ended.OrderByDescending(kv => kv.Value.Failures).Take(5).Select(kv => $"{kv.Key} x{kv.Value.Failures}"));
        log.LogWarning("Failed authentication: {Failures} attempts ({Throttled} throttled) from {Clients} clients in the last {Seconds} s; most from {Top}",
            failures, throttled, ended.Count, (int)period.TotalSeconds, top);
    }

    private sealed class Tally
    {
        public long Failures;
        public long Throttled;
    }
}
