using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace LeapEngine.Cli.Server;

/// <summary>
/// Follows a job until it is final over the server's event stream (GET /v1/jobs/{id}/events): every event carries the
/// whole job, so progress is drawn from each; <c>reconnect</c> (maximum stream duration, server stopping) and a cut
/// connection reconnect with <c>Last-Event-ID</c>; <c>revoked</c> is a refused key. A stream that ends without
/// <c>done</c> is checked with a plain GET before reconnecting, so a final job is never missed.
/// </summary>
public sealed class JobFollower(LeapApiClient client, StatusLine status)
{
    /// <summary>The last state seen, for a timeout's message.</summary>
    public JsonObject? Last { get; private set; }

    public async Task<JsonObject> FollowAsync(string id, CancellationToken ct)
    {
        var job = await JobsApi.GetAsync(client, id, ct);
        Show(job);
        string? lastEventId = null;
        int cut = 0;
        while (!JobsApi.IsFinal(job))
        {
            var delay = TimeSpan.FromSeconds(1);
            try
            {
                var (final, retry, eventId) = await ReadStreamAsync(id, lastEventId, ct);
                lastEventId = eventId ?? lastEventId;
                if (final is not null) return final;
                if (retry is { } r) delay = r;
                cut = 0;
            }
            catch (Exception e) when (e is IOException or HttpRequestException && !ct.IsCancellationRequested)
            {
                // The connection broke mid-stream (a server restarting): reconnect, a bounded number of times in a row.
                if (++cut > client.MaxRetries)
                    throw new ServerException($"the event stream from {client.BaseAddress} kept breaking: {e.Message}");
                delay = LeapApiClient.Backoff(cut);
            }
            job = await JobsApi.GetAsync(client, id, ct);
            Show(job);
            if (!JobsApi.IsFinal(job)) await Task.Delay(delay, ct);
        }
        return job;
    }

    private async Task<(JsonObject? Final, TimeSpan? Retry, string? LastEventId)> ReadStreamAsync(string id, string? lastEventId,
        CancellationToken ct)
    {
        using var response = await client.SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, $"v1/jobs/{Uri.EscapeDataString(id)}/events");
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            if (lastEventId is not null) request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
            return request;
        }, HttpCompletionOption.ResponseHeadersRead, ct);
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        string? name = null;
        var data = new StringBuilder();
        TimeSpan? retry = null;
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Length > 0)
                {
                    var payload = JsonNode.Parse(data.ToString()) as JsonObject;
                    switch (name)
                    {
                        case "done" when payload is not null:
                            Last = payload;
                            return (payload, null, lastEventId);
                        case "revoked":
                            throw new ServerException($"the API key was revoked while following the job ({payload?["detail"]?.GetValue<string>() ?? "401"})");
                        case "reconnect":
                            if (payload?["retry_ms"]?.GetValue<int>() is { } ms) retry = TimeSpan.FromMilliseconds(ms);
                            return (null, retry, lastEventId);
                        case "progress" or null when payload is not null:
                            Show(payload);
                            break;
                    }
                }
                name = null;
                data.Clear();
                continue;
            }
            if (line[0] == ':') continue;   // a keep-alive comment
            int colon = line.IndexOf(':');
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "event": name = value; break;
                case "data": data.Append(data.Length > 0 ? "\n" : "").Append(value); break;
                case "id": lastEventId = value; break;
                case "retry" when int.TryParse(value, out var ms): retry = TimeSpan.FromMilliseconds(ms); break;
            }
        }
        return (null, retry, lastEventId);
    }

    private void Show(JsonObject job)
    {
        Last = job;
        status.Show($"{JobsApi.Str(job, "id")}: {JobsApi.Str(job, "status")} {JobsApi.ProgressText(job)}".TrimEnd());
    }
}
