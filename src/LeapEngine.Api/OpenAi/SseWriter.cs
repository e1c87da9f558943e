using System.Text;
using System.Text.Json;

namespace LeapEngine.Api.OpenAi;

/// <summary>OpenAI's streaming: server-sent events of one JSON object each (<c>data: {...}</c>), then <c>data: [DONE]</c>.</summary>
public sealed class SseWriter(HttpResponse response)
{
    public bool Started { get; private set; }

    public async Task StartAsync(CancellationToken ct)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        // Proxies (nginx) must pass each event on as it comes.
        response.Headers["X-Accel-Buffering"] = "no";
        Started = true;
        await response.StartAsync(ct);
    }

    public async Task WriteAsync(object chunk, CancellationToken ct)
    {
        var json = JsonSerializer.Serialize(chunk, OpenAiJson.Options);
        await response.WriteAsync($"data: {json}\n\n", Encoding.UTF8, ct);
        await response.Body.FlushAsync(ct);
    }

    public async Task DoneAsync(CancellationToken ct)
    {
        await response.WriteAsync("data: [DONE]\n\n", Encoding.UTF8, ct);
        await response.Body.FlushAsync(ct);
    }
}
