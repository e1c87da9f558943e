using System.ComponentModel.DataAnnotations;

namespace LeapEngine.Api.Streaming;

/// <summary>
/// Held connections (SSE streams and long-polls) of the API process (section Leap:Api:Streams).
/// How many a tenant may hold at once is a plan limit (<c>HeldConnections</c>); how long one may
/// last and how often the shared poller reads the database are the operator's, set here. Read
/// through IOptionsMonitor, so a configuration reload applies to the next stream.
/// </summary>
public sealed class StreamOptions
{
    public const string Section = "Leap:Api:Streams";

    /// <summary>
    /// A stream ends after this long with a <c>reconnect</c> event (EventSource reconnects on its
    /// own): no connection is held forever, and a client behind a balancer moves to a fresh
    /// replica from time to time. Long-polls are bounded by Leap:Api:MaxWaitSeconds instead.
    /// </summary>
    [Range(1, 86_400)] public int MaxStreamSeconds { get; set; } = 300;

    /// <summary>The <c>retry:</c> a stream sends: how long EventSource waits before reconnecting.</summary>
    [Range(0, 60_000)] public int ReconnectDelayMs { get; set; } = 1000;

    /// <summary>A comment line after this much silence, so proxies do not close an idle stream (and a gone client is noticed).</summary>
    [Range(1, 3600)] public int KeepAliveSeconds { get; set; } = 15;

    /// <summary>
    /// How often the one shared poller reads the watched jobs (one query for all of them, and a
    /// second for the rows that changed): the latency of a progress event, whatever the number of streams.
    /// </summary>
    [Range(20, 10_000)] public int PollIntervalMs { get; set; } = 250;

    /// <summary>How often the poller checks that the keys holding streams are still valid: the bound on a revoked key's stream.</summary>
    [Range(100, 60_000)] public int KeyCheckIntervalMs { get; set; } = 1000;

    /// <summary>Retry-After of the 429 answered beyond the tenant's held-connection limit.</summary>
    [Range(1, 3600)] public int RetryAfterSeconds { get; set; } = 5;
}
