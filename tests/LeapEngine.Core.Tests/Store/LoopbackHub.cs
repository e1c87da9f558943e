using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace LeapEngine.Core.Tests.Store;

/// <summary>A request as the loopback hub saw it.</summary>
public sealed record HubRequest(string Path, IReadOnlyDictionary<string, string> Headers)
{
    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var v) ? v : null;

    /// <summary>Start of a "Range: bytes=N-" request, or null.</summary>
    public long? RangeFrom =>
        Header("range") is { } r && r.StartsWith("bytes=", StringComparison.Ordinal) && r.EndsWith('-')
            ? long.Parse(r["bytes=".Length..^1]) : null;
}

/// <summary>What the loopback hub answers; <see cref="DropAfter"/> cuts the connection mid-body.</summary>
public sealed record HubReply(int Status, byte[] Body, IReadOnlyDictionary<string, string>? Headers = null, int? DropAfter = null)
{
    public static HubReply NotFound() => new(404, Encoding.UTF8.GetBytes("Entry not found"));

    /// <summary>A file, honouring a "Range: bytes=N-" request with 206 when <paramref name="ranges"/> is set.</summary>
    public static HubReply File(HubRequest request, byte[] content, bool ranges = true, string? linkedEtag = null, int? dropAfter = null)
    {
        var headers = new Dictionary<string, string>();
        if (linkedEtag is not null) headers["X-Linked-Etag"] = $"\"{linkedEtag}\"";
        if (ranges && request.RangeFrom is long from && from > 0 && from < content.Length)
        {
            headers["Content-Range"] = $"bytes {from}-{content.Length - 1}/{content.Length}";
            return new HubReply(206, content[(int)from..], headers, dropAfter);
        }
        return new HubReply(200, content, headers, dropAfter);
    }
}

/// <summary>
/// A tiny HTTP/1.1 server on 127.0.0.1 (port chosen by the OS) standing in for the hub, built on a
/// raw TcpListener so a test can cut a connection in the middle of a body. One request per
/// connection ("Connection: close") keeps it simple.
/// </summary>
public sealed class LoopbackHub : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<HubRequest> _requests = new();
    private readonly Func<HubRequest, HubReply> _handler;

    public LoopbackHub(Func<HubRequest, HubReply> handler)
    {
        _handler = handler;
        _listener.Start();
        Endpoint = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
        _ = Task.Run(AcceptLoopAsync);
    }

    /// <summary>Serves files by repository path ("{repo}/resolve/main/{file}"); anything else is 404.</summary>
    public static LoopbackHub Serving(IReadOnlyDictionary<string, byte[]> files, bool sendEtags = false) =>
        new(request => files.TryGetValue(request.Path.TrimStart('/'), out var content)
            ? HubReply.File(request, content, linkedEtag: sendEtags ? Sha256(content) : null)
            : HubReply.NotFound());

    public string Endpoint { get; }

    public IReadOnlyList<HubRequest> Requests => _requests.ToArray();

    public static string Sha256(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var request = await ReadRequestAsync(stream);
                if (request is null) return;
                _requests.Enqueue(request);
                var reply = _handler(request);

                var head = new StringBuilder();
                head.Append($"HTTP/1.1 {reply.Status} {(HttpStatusCode)reply.Status}\r\n");
                head.Append($"Content-Length: {reply.Body.Length}\r\nConnection: close\r\n");
                foreach (var (name, value) in reply.Headers ?? new Dictionary<string, string>())
                    head.Append($"{name}: {value}\r\n");
                head.Append("\r\n");
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()));

                if (reply.DropAfter is int drop && drop < reply.Body.Length)
                {
                    await stream.WriteAsync(reply.Body.AsMemory(0, drop));
                    await stream.FlushAsync();
                    client.Client.LingerState = new LingerOption(true, 0); // reset, like a dropped link
                    return;
                }
                await stream.WriteAsync(reply.Body);
                await stream.FlushAsync();
                client.Client.Shutdown(SocketShutdown.Send);
            }
            catch (IOException) { }
            catch (SocketException) { }
        }
    }

    private static async Task<HubRequest?> ReadRequestAsync(NetworkStream stream)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (bytes.Count < 65536)
        {
            if (await stream.ReadAsync(one) == 0) return null;
            bytes.Add(one[0]);
            if (bytes.Count >= 4 && bytes[^4] == '\r' && bytes[^3] == '\n' && bytes[^2] == '\r' && bytes[^1] == '\n') break;
        }
        var lines = Encoding.ASCII.GetString(bytes.ToArray()).Split("\r\n");
        var path = Uri.UnescapeDataString(lines[0].Split(' ')[1]);
        var headers = new Dictionary<string, string>();
        foreach (var line in lines.Skip(1).Where(l => l.Contains(':')))
        {
            var colon = line.IndexOf(':');
            headers[line[..colon].Trim().ToLowerInvariant()] = line[(colon + 1)..].Trim();
        }
        return new HubRequest(path, headers);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }
}
