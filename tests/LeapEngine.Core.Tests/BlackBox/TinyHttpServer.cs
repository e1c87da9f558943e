using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LeapEngine.Core.Tests.BlackBox;

/// <summary>
/// A real HTTP/1.1 server on 127.0.0.1 for the connect-time checks (they need a socket): answers
/// every request with one fixed response and counts the connections it accepted.
/// </summary>
public sealed class TinyHttpServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly string _head;
    private readonly byte[] _body;
    private int _connections;

    public TinyHttpServer(int status = 200, string body = """{"choices":[{"message":{"role":"assistant","content":"hi"}}]}""", string? extraHeaders = null)
    {
        _body = Encoding.UTF8.GetBytes(body);
        _head = $"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {_body.Length}\r\nConnection: close\r\n{extraHeaders}\r\n";
        _listener.Start();
        _ = Task.Run(AcceptLoop);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    public int Connections => Volatile.Read(ref _connections);

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            Interlocked.Increment(ref _connections);
            _ = Task.Run(async () =>
            {
                using (client)
                {
                    var stream = client.GetStream();
                    var buffer = new byte[65536];
                    var seen = new StringBuilder();
                    while (!seen.ToString().Contains("\r\n\r\n"))
                    {
                        int n = await stream.ReadAsync(buffer);
                        if (n == 0) return;
                        seen.Append(Encoding.ASCII.GetString(buffer, 0, n));
                    }
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(_head));
                    await stream.WriteAsync(_body);
                }
            });
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }
}
