using System.Net;
using System.Net.Sockets;

namespace LeapEngine.Core.BlackBox.Outbound;

/// <summary>An address block in CIDR form ("10.0.0.0/8", "fc00::/7"); a bare address is a one-address block.</summary>
public sealed record IpRange(IPAddress Network, int PrefixLength)
{
    public static IpRange Parse(string cidr)
    {
        ArgumentNullException.ThrowIfNull(cidr);
        var parts = cidr.Trim().Split('/');
        if (parts.Length > 2 || !IPAddress.TryParse(parts[0], out var address))
            throw new ArgumentException($"'{cidr}' is not an address range; write it in CIDR form, e.g. 10.1.0.0/16 or fd00::/8");
        int max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        int prefix = max;
        if (parts.Length == 2 && (!int.TryParse(parts[1], out prefix) || prefix < 0 || prefix > max))
            throw new ArgumentException($"'{cidr}': the prefix length must be a whole number from 0 to {max}");
        return new IpRange(address, prefix);
    }

    public bool Contains(IPAddress address)
    {
        if (address.AddressFamily != Network.AddressFamily) return false;
        var a = address.GetAddressBytes();
        var n = Network.GetAddressBytes();
        int bits = PrefixLength;
        for (int i = 0; i < a.Length && bits > 0; i++, bits -= 8)
        {
            int mask = bits >= 8 ? 0xFF : (0xFF << (8 - bits)) & 0xFF;
            if ((a[i] & mask) != (n[i] & mask)) return false;
        }
        return true;
    }

    public override string ToString() => $"{Network}/{PrefixLength}";
}
