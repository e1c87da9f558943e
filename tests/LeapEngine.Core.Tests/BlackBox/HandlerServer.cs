using System.Net;
using System.Net.Sockets;

namespace LeapEngine.Core.Tests.BlackBox;

/// <summary>
/// Serves an in-process endpoint double over real HTTP on 127.0.0.1 (HttpListener), for callers
/// that build their own HttpClient: the `leap` CLI.
/// </summary>
public sealed class HandlerServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly HttpMessageInvoker _handler;

    public HandlerServer(HttpMessageHandler handler)
    {
        _handler = new HttpMessageInvoker(handler, disposeHandler: false);
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _ = Task.Run(Loop);
    }

    public int Port { get; }
    public string BaseUrl => $"http://127.0.0.1:{Port}/v1";

    private async Task Loop()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception) { return; }
            _ = Task.Run(async () =>
            {
                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                var request = new HttpRequestMessage(new HttpMethod(context.Request.HttpMethod), $"http://endpoint.test{context.Request.Url!.AbsolutePath}")
                {
                    Content = new ByteArrayContent(body.ToArray()),
                };
                if (context.Request.Headers["Authorization"] is { } auth) request.Headers.TryAddWithoutValidation("Authorization", auth);
                using var response = await _handler.SendAsync(request, CancellationToken.None);
                context.Response.StatusCode = (int)response.StatusCode;
                context.Response.ContentType = "application/json";
                var bytes = await response.Content.ReadAsByteArrayAsync();
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            });
        }
    }

    public void Dispose() => _listener.Close();
}
