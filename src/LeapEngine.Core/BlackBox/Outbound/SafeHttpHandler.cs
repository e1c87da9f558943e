using System.Net;
using System.Net.Sockets;

namespace LeapEngine.Core.BlackBox.Outbound;

/// <summary>
/// The HTTP handler every endpoint call goes through. The address check runs where the socket
/// connects, on the addresses just resolved, so a name that resolves to a public address when
/// the endpoint is registered and to 169.254.169.254 when it is called (DNS rebinding) is still
/// refused; so is any spelling of a refused address (decimal, hex, IPv4-mapped IPv6), because
/// what is checked is the address, not the text. Redirects are not followed (a 3xx is returned
/// to the client, which reports it), and no proxy is used (it would connect on our behalf, unchecked).
/// </summary>
public static class SafeHttpHandler
{
    public static SocketsHttpHandler Create(OutboundPolicy policy, IHostResolver? resolver = null, TimeSpan? connectTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        resolver ??= DnsHostResolver.Instance;
        return new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            ConnectTimeout = connectTimeout ?? TimeSpan.FromSeconds(10),
            // Re-resolve now and then: a long-lived pooled connection would otherwise pin one answer forever.
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectCallback = (context, ct) => ConnectAsync(context.DnsEndPoint, policy, resolver, ct),
        };
    }

    /// <summary>Resolves the host, drops every address the policy refuses, connects to the first that accepts.</summary>
    internal static async ValueTask<Stream> ConnectAsync(DnsEndPoint endPoint, OutboundPolicy policy, IHostResolver resolver, CancellationToken ct)
    {
        string host = endPoint.Host;
        var literal = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        IPAddress[] addresses = IPAddress.TryParse(literal, out var parsed) ? [parsed] : await resolver.ResolveAsync(host, ct);
        if (addresses.Length == 0) throw new OutboundRefusedException($"the endpoint host '{host}' resolves to no address");
        var refusals = new List<string>();
        Exception? lastError = null;
        foreach (var address in addresses)
        {
            if (policy.Refusal(host, address) is { } why)
            {
                refusals.Add($"{address}: {why}");
                continue;
            }
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endPoint.Port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                socket.Dispose();
                if (e is OperationCanceledException) throw;
                lastError = e;
            }
        }
        if (lastError is not null) throw lastError;
        throw new OutboundRefusedException(
            $"the endpoint host '{host}' is not on the public internet ({string.Join("; ", refusals)}); " +
            "an operator can allow it (LeapEngine outbound allowlist: CIDR ranges or host names)");
    }
}
