using System.ComponentModel.DataAnnotations;
using LeapEngine.Core.BlackBox.Client;
using LeapEngine.Core.BlackBox.Outbound;

namespace LeapEngine.Jobs.Endpoints;

/// <summary>
/// Where calls to tenants' endpoints may go (section Leap:Outbound). By default only public internet addresses: a
/// tenant cannot point LeapEngine at loopback, private networks or cloud metadata services. An operator allows more
/// explicitly, e.g. a cluster-internal vLLM: Leap__Outbound__AllowedHosts__0=vllm.internal, or a block:
/// Leap__Outbound__AllowedRanges__0=10.8.0.0/16 (tests allow 127.0.0.0/8 to reach a server on this machine).
/// Also how hard a black-box job retries an endpoint that fails.
/// </summary>
public sealed class OutboundOptions
{
    public const string Section = "Leap:Outbound";

    /// <summary>Address blocks in CIDR form that endpoints may reach although they are not public.</summary>
    public List<string> AllowedRanges { get; set; } = [];

    /// <summary>Exact host names whose addresses are accepted whatever they are.</summary>
    public List<string> AllowedHosts { get; set; } = [];

    /// <summary>The longest a probe (POST /v1/endpoints/{id}/probe, up to 10 calls) may take before it answers 504.</summary>
    [Range(1, 600)] public int ProbeTimeoutSeconds { get; set; } = 60;

    /// <summary>A black-box job's retries of one call after a 429, a 5xx, a timeout or a broken connection (each retry counts as a call).</summary>
    [Range(0, 100)] public int MaxRetries { get; set; } = 6;
    /// <summary>First backoff when the endpoint gives no Retry-After (exponential with jitter).</summary>
    [Range(0, 60_000)] public int RetryBaseDelayMs { get; set; } = 1000;
    /// <summary>Longest wait between attempts; a Retry-After asking for more fails the call instead of stalling the job.</summary>
    [Range(0, 3600)] public int RetryMaxDelaySeconds { get; set; } = 60;

    /// <summary>The policy these settings describe; throws ArgumentException naming a malformed range.</summary>
    public OutboundPolicy Policy() => OutboundPolicy.From(AllowedRanges, AllowedHosts);

    /// <summary>Null when every range parses, else what is wrong (for ValidateOnStart).</summary>
    public string? Problem()
    {
        try { Policy(); return null; }
        catch (ArgumentException e) { return $"Leap:Outbound:AllowedRanges: {e.Message}"; }
    }

    /// <summary>The retry settings of a black-box job's client.</summary>
    public EndpointClientOptions ClientOptions() => new()
    {
        MaxRetries = MaxRetries,
        BaseDelay = TimeSpan.FromMilliseconds(RetryBaseDelayMs),
        MaxDelay = TimeSpan.FromSeconds(Math.Max(RetryMaxDelaySeconds, RetryBaseDelayMs / 1000.0)),
    };
}
