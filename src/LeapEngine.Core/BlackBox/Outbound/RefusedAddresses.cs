using System.Net;
using System.Net.Sockets;

namespace LeapEngine.Core.BlackBox.Outbound;

/// <summary>
/// The address blocks an outbound endpoint call must not reach unless the operator allows
/// them: everything that is not the public internet. An IPv6 address that carries an IPv4
/// one (mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16, the old compatible ::a.b.c.d)
/// is judged by the IPv4 address inside it, so no spelling of 127.0.0.1 or 169.254.169.254 gets past.
/// </summary>
public static class RefusedAddresses
{
    private static readonly (IpRange Range, string Why)[] Blocks =
    [
        (IpRange.Parse("0.0.0.0/8"), "unspecified ('this network')"),
        (IpRange.Parse("10.0.0.0/8"), "private"),
        (IpRange.Parse("100.64.0.0/10"), "carrier-grade NAT (shared address space; Alibaba's metadata service lives here)"),
        (IpRange.Parse("127.0.0.0/8"), "loopback"),
        (IpRange.Parse("169.254.0.0/16"), "link-local (cloud metadata services: 169.254.169.254, 169.254.170.2)"),
        (IpRange.Parse("172.16.0.0/12"), "private"),
        (IpRange.Parse("192.0.0.0/24"), "IETF protocol assignments (Oracle's metadata service: 192.0.0.192)"),
        (IpRange.Parse("192.0.2.0/24"), "documentation"),
        (IpRange.Parse("192.168.0.0/16"), "private"),
        (IpRange.Parse("198.18.0.0/15"), "benchmarking"),
        (IpRange.Parse("198.51.100.0/24"), "documentation"),
        (IpRange.Parse("203.0.113.0/24"), "documentation"),
        (IpRange.Parse("224.0.0.0/4"), "multicast"),
        (IpRange.Parse("240.0.0.0/4"), "reserved (and broadcast)"),
        (IpRange.Parse("::/128"), "unspecified"),
        (IpRange.Parse("::1/128"), "loopback"),
        (IpRange.Parse("fc00::/7"), "unique local (private; AWS's IPv6 metadata service fd00:ec2::254)"),
        (IpRange.Parse("fe80::/10"), "link-local"),
        (IpRange.Parse("fec0::/10"), "site-local (deprecated private)"),
        (IpRange.Parse("ff00::/8"), "multicast"),
        (IpRange.Parse("2001:db8::/32"), "documentation"),
        (IpRange.Parse("100::/64"), "discard-only"),
    ];

    private static readonly IpRange Nat64 = IpRange.Parse("64:ff9b::/96");
    private static readonly IpRange SixToFour = IpRange.Parse("2002::/16");
    private static readonly IpRange Compatible = IpRange.Parse("::/96");

    /// <summary>Why <paramref name="address"/> is refused ("loopback", "private", ...), or null for a public address.</summary>
    public static string? Reason(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && EmbeddedIPv4(address) is { } inner)
            return Reason(inner) is { } why ? $"{why}, written as IPv6" : null;
        if (address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)) return "not an IP address";
        foreach (var (range, why) in Blocks)
            if (range.Contains(address)) return $"{why} ({range})";
        return null;
    }

    /// <summary>The IPv4 address an IPv6 one stands for, if it stands for one.</summary>
    private static IPAddress? EmbeddedIPv4(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) return address.MapToIPv4();
        var b = address.GetAddressBytes();
        if (Nat64.Contains(address) || (Compatible.Contains(address) && !IPAddress.IPv6Any.Equals(address) && !IPAddress.IPv6Loopback.Equals(address)))
            return new IPAddress(b[12..16]);
        if (SixToFour.Contains(address)) return new IPAddress(b[2..6]);
        return null;
    }
}
