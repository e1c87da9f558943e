using System.Net;

namespace LeapEngine.Core.BlackBox.Outbound;

/// <summary>
/// Where outbound endpoint calls may go. By default only public internet addresses; the
/// operator may allow address blocks (<see cref="AllowedRanges"/>, CIDR) or host names
/// (<see cref="AllowedHosts"/>: then whatever the name resolves to is accepted, e.g. a
/// cluster-internal vLLM service). Tests allow loopback explicitly.
/// </summary>
public sealed record OutboundPolicy
{
    public IReadOnlyList<IpRange> AllowedRanges { get; init; } = [];
    /// <summary>Exact host names (case-insensitive), no wildcards.</summary>
    public IReadOnlyList<string> AllowedHosts { get; init; } = [];

    /// <summary>Public addresses only.</summary>
    public static OutboundPolicy PublicOnly { get; } = new();

    /// <summary>A policy from operator settings: CIDR ranges and host names.</summary>
    public static OutboundPolicy From(IEnumerable<string>? ranges, IEnumerable<string>? hosts) => new()
    {
        AllowedRanges = (ranges ?? []).Where(r => !string.IsNullOrWhiteSpace(r)).Select(IpRange.Parse).ToArray(),
        AllowedHosts = (hosts ?? []).Where(h => !string.IsNullOrWhiteSpace(h)).Select(h => h.Trim()).ToArray(),
    };

    public bool AllowsHost(string host) => AllowedHosts.Any(h => h.Equals(host.TrimEnd('.'), StringComparison.OrdinalIgnoreCase));

    /// <summary>Null when a connection to <paramref name="address"/> (reached through <paramref name="host"/>) is allowed, else why not.</summary>
    public string? Refusal(string host, IPAddress address)
    {
        if (AllowsHost(host)) return null;
        if (AllowedRanges.Any(r => r.Contains(address) || (address.IsIPv4MappedToIPv6 && r.Contains(address.MapToIPv4())))) return null;
        return RefusedAddresses.Reason(address);
    }
}

/// <summary>
/// An outbound call was refused by the <see cref="OutboundPolicy"/>: the endpoint's host is, or
/// resolves to, an address outside the public internet. Never retried.
/// </summary>
public sealed class OutboundRefusedException(string message) : Exception(message);
