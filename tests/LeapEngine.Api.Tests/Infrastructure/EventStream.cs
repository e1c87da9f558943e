using System.Net;
using System.Text.Json.Nodes;

namespace LeapEngine.Api.Tests.Infrastructure;

/// <summary>One server-sent event: its fields as sent (data parsed as JSON).</summary>
public sealed record ServerEvent(string? Id, string? Event, JsonObject Data);

/// <summary>A client of GET /v1/jobs/{id}/events that reads events one at a time, the way EventSource parses them.</summary>
public sealed class EventStream : IDisposable
{
    private readonly StreamReader _reader;

    private EventStream(HttpResponseMessage response, StreamReader reader)
    {
        Response = response;
        _reader = reader;
    }

    public HttpResponseMessage Response { get; }
    /// <summary>The last <c>retry:</c> the server sent, in milliseconds.</summary>
    public int? Retry { get; private set; }

    /// <summary>Opens the stream and asserts 200 text/event-stream.</summary>
    public static async Task<EventStream> OpenAsync(HttpClient http, string jobId, string? lastEventId = null)
    {
        var response = await SendAsync(http, jobId, lastEventId);
        // The body is read only on failure: a stream's body never ends.
        if (response.StatusCode != HttpStatusCode.OK)
            Assert.Fail($"expected 200, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new EventStream(response, new StreamReader(await response.Content.ReadAsStreamAsync()));
    }

    /// <summary>The bare answer (headers read), for requests that may be refused.</summary>
    public static async Task<HttpResponseMessage> SendAsync(HttpClient http, string jobId, string? lastEventId = null,
        CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/jobs/{jobId}/events");
        if (lastEventId is not null) request.Headers.Add("Last-Event-ID", lastEventId);
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
    }

    public static EventStream Of(HttpResponseMessage response) =>
        new(response, new StreamReader(response.Content.ReadAsStream()));

    /// <summary>The next event with data, or null when the server ended the stream; throws after <paramref name="timeout"/>.</summary>
    public async Task<ServerEvent?> NextAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        string? id = null, name = null, data = null;
        while (true)
        {
            string? line;
            try { line = await _reader.ReadLineAsync(cts.Token); }
            catch (OperationCanceledException) { throw new TimeoutException($"no event within {timeout}"); }
            if (line is null) return null;
            if (line.Length == 0)
            {
                if (data is not null) return new ServerEvent(id, name, JsonNode.Parse(data)!.AsObject());
                id = name = null;   // a block without data (retry: alone, keep-alive) dispatches nothing
                continue;
            }
            if (line.StartsWith(':')) continue;
            int colon = line.IndexOf(':');
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "id": id = value; break;
                case "event": name = value; break;
                case "data": data = data is null ? value : data + "\n" + value; break;
                case "retry": Retry = int.Parse(value); break;
            }
        }
    }

    public void Dispose()
    {
        _reader.Dispose();
        Response.Dispose();
    }
}
