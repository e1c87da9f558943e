using System.ComponentModel.DataAnnotations;
using LeapEngine.Core.BlackBox.Client;
using LeapEngine.Core.BlackBox.Outbound;

namespace LeapEngine.Jobs.Endpoints;

/// <summary>
/// Operator settings (section Leap:Outbound) for calls to tenants' endpoints: where they may go beyond the public internet
/// (SSRF: loopback, private, link-local and metadata addresses are refused at connect time unless allowed here) and how
/// hard a job retries an endpoint that fails.
/// </summary>
public sealed class OutboundOptions
{
    public const string Section = "Leap:Outbound";

    /// <summary>CIDR blocks allowed although not public, e.g. "10.20.0.0/16" for an in-cluster vLLM (tests allow 127.0.0.0/8).</summary>
    public List<string> AllowedRanges { get; set; } = [];
    /// <summary>Host names allowed whatever they resolve to (exact names, no wildcards).</summary>
    public List<string> AllowedHosts { get; set; } = [];
    /// <summary>Retries of one call after a 429, a 5xx, a timeout or a broken connection (each retry counts as a call).</summary>
    [Range(0, 100)] public int MaxRetries { get; set; } = 6;
    /// <summary>First backoff when the endpoint gives no Retry-After (exponential with jitter).</summary>
    [Range(0, 60_000)] public int RetryBaseDelayMs { get; set; } = 1000;
    /// <summary>Longest wait between attempts; a Retry-After asking for more fails the call instead of stalling the job.</summary>
    [Range(0, 3600)] public int RetryMaxDelaySeconds { get; set; } = 60;

    public OutboundPolicy Policy() => OutboundPolicy.From(AllowedRanges, AllowedHosts);

    public EndpointClientOptions ClientOptions() => new()
    {
        MaxRetries = MaxRetries,
        BaseDelay = TimeSpan.FromMilliseconds(RetryBaseDelayMs),
        MaxDelay = TimeSpan.FromSeconds(Math.Max(RetryMaxDelaySeconds, RetryBaseDelayMs / 1000.0)),
    };
}
