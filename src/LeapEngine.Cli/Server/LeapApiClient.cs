using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LeapEngine.Cli.Server;

/// <summary>
/// A command that talked to the server could not run (no URL or key, unreachable server, refused key, missing job,
/// a timeout): one clear line, exit code 2 — never confused with a job or a check that failed (exit 1).
/// </summary>
public sealed class ServerException(string message, HttpStatusCode? status = null) : Exception(message)
{
    public HttpStatusCode? Status { get; } = status;
}

/// <summary>
/// The HTTP client `leap jobs` (and later `leap check`) uses: bearer key, problem+json errors turned into one line that
/// says what to fix, and transient failures retried with backoff — a refused or reset connection (a server restarting),
/// 502/503/504, and 429, honouring <c>Retry-After</c>. A small loop rather than Polly: the only policy needed is
/// "retry these, wait this long", and the tool package stays free of dependencies for it.
/// </summary>
public sealed class LeapApiClient : IDisposable
{
    /// <summary>How many times a transient failure is retried by default before the command gives up (exit 2).</summary>
    public const int DefaultRetries = 5;

    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);
    private readonly HttpClient _http;
    private readonly TextWriter _log;

    public LeapApiClient(Uri baseAddress, string apiKey, TextWriter log, int maxRetries = DefaultRetries, HttpMessageHandler? handler = null)
    {
        BaseAddress = baseAddress;
        MaxRetries = maxRetries;
        _log = log;
        // No overall HttpClient timeout: a long-poll or an event stream is held open on purpose; the caller's token bounds it.
        _http = new HttpClient(handler ?? new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) })
        {
            BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("leap-cli", typeof(LeapApiClient).Assembly.GetName().Version?.ToString() ?? "0"));
    }

    public Uri BaseAddress { get; }

    /// <summary>How many times a transient failure is retried before the command gives up (exit 2).</summary>
    public int MaxRetries { get; }

    /// <summary>Delay before retry <paramref name="attempt"/> (1-based) when the server did not say: 0.5 s, 1 s, 2 s, … at most 30 s.</summary>
    public static TimeSpan Backoff(int attempt) => TimeSpan.FromMilliseconds(Math.Min(MaxDelay.TotalMilliseconds, 500 * Math.Pow(2, attempt - 1)));

    public async Task<JsonObject> GetJsonAsync(string path, CancellationToken ct)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, path), HttpCompletionOption.ResponseContentRead, ct);
        return await ReadObjectAsync(response, ct);
    }

    public async Task<JsonObject> PostJsonAsync(string path, CancellationToken ct)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, path), HttpCompletionOption.ResponseContentRead, ct);
        return await ReadObjectAsync(response, ct);
    }

    /// <summary>
    /// POSTs a JSON body that creates something (a job). The same <paramref name="idempotencyKey"/> goes with every retry,
    /// so a retry after a lost answer returns the first job instead of starting a second one.
    /// </summary>
    public async Task<JsonObject> PostJsonAsync(string path, JsonNode body, string idempotencyKey, CancellationToken ct)
    {
        var text = body.ToJsonString();
        using var response = await SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(text, System.Text.Encoding.UTF8, "application/json") };
            request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
            return request;
        }, HttpCompletionOption.ResponseContentRead, ct);
        return await ReadObjectAsync(response, ct);
    }

    /// <summary>
    /// Sends the request (built afresh for every attempt), retrying transient failures; a success is returned, any other
    /// answer becomes a <see cref="ServerException"/> with the problem's type and detail.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> request, HttpCompletionOption completion, CancellationToken ct)
    {
        for (int attempt = 1; ; attempt++)
        {
            HttpResponseMessage response;
            try
            {
                using var message = request();
                response = await _http.SendAsync(message, completion, ct);
            }
            catch (HttpRequestException e) when (!ct.IsCancellationRequested)
            {
                if (attempt > MaxRetries)
                    throw new ServerException($"cannot reach the LeapEngine server at {BaseAddress}: {e.Message} (gave up after {MaxRetries} retries)");
                await WaitAsync(Backoff(attempt), $"cannot reach {BaseAddress} ({e.Message})", attempt, ct);
                continue;
            }
            if (response.IsSuccessStatusCode) return response;

            var problem = await ReadProblemAsync(response, ct);
            if (IsTransient(response.StatusCode) && attempt <= MaxRetries)
            {
                var delay = RetryAfter(response) ?? Backoff(attempt);
                response.Dispose();
                await WaitAsync(delay, $"the server answered {(int)response.StatusCode}{Describe(problem)}", attempt, ct);
                continue;
            }
            response.Dispose();
            throw Failure(response.StatusCode, problem, request);
        }
    }

    private static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable or HttpStatusCode.BadGateway or HttpStatusCode.GatewayTimeout;

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        var delay = header?.Delta ?? (header?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        if (delay is not { } d) return null;
        return d < TimeSpan.Zero ? TimeSpan.Zero : d > MaxDelay ? MaxDelay : d;
    }

    private async Task WaitAsync(TimeSpan delay, string why, int attempt, CancellationToken ct)
    {
        _log.WriteLine($"leap: {why}; retrying in {delay.TotalSeconds:0.#} s ({attempt}/{MaxRetries})");
        await Task.Delay(delay, ct);
    }

    private ServerException Failure(HttpStatusCode status, Problem problem, Func<HttpRequestMessage> request)
    {
        string path;
        using (var message = request()) path = message.RequestUri?.OriginalString ?? "";
        string detail = Describe(problem);
        return status switch
        {
            HttpStatusCode.Unauthorized => new ServerException(
                $"the server at {BaseAddress} refused the API key (401{detail}); check LEAP_API_KEY (or the variable --api-key-env names)", status),
            HttpStatusCode.Forbidden => new ServerException($"this API key may not do that (403{detail})", status),
            HttpStatusCode.NotFound => new ServerException($"not found: {path} (404{detail})", status),
            _ => new ServerException($"the server answered {(int)status} to {path}{detail}", status),
        };
    }

    private static string Describe(Problem problem) =>
        (problem.Type, problem.Detail) switch
        {
            (null, null) => "",
            (var t, null) => $" {t}",
            (null, var d) => $": {d}",
            var (t, d) => $" {t}: {d}",
        };

    private readonly record struct Problem(string? Type, string? Detail);

    private static async Task<Problem> ReadProblemAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            if (string.IsNullOrWhiteSpace(text)) return default;
            if (JsonNode.Parse(text) is not JsonObject body) return default;
            return new Problem(body["type"]?.GetValue<string>(), body["detail"]?.GetValue<string>() ?? body["title"]?.GetValue<string>());
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or HttpRequestException)
        {
            return default;   // not problem+json (a proxy's page): the status code says enough
        }
    }

    private async Task<JsonObject> ReadObjectAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        try
        {
            return JsonNode.Parse(text) as JsonObject
                   ?? throw new ServerException($"the server at {BaseAddress} answered something that is not a JSON object");
        }
        catch (JsonException)
        {
            throw new ServerException($"the server at {BaseAddress} answered something that is not JSON (is LEAP_API_URL a LeapEngine server?)");
        }
    }

    public void Dispose() => _http.Dispose();
}
