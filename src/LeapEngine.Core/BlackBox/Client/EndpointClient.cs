using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using LeapEngine.Core.BlackBox.Outbound;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace LeapEngine.Core.BlackBox.Client;

/// <summary>
/// Calls one OpenAI-compatible endpoint for one job. The host gives the HttpClient (built on
/// <see cref="SafeHttpHandler"/> so that the address check happens at connect time). Every
/// attempt takes a call from the job's <see cref="CallBudget"/> and a slot of the endpoint's
/// <see cref="EndpointGate"/>; 429s, 5xx, timeouts and broken connections are retried with
/// backoff, honouring <c>Retry-After</c> (and OpenAI's <c>retry-after-ms</c>); everything else
/// fails at once with an <see cref="EndpointException"/> that says what to fix.
/// </summary>
public sealed class EndpointClient
{
    private readonly HttpClient _http;
    private readonly EndpointClientOptions _options;
    private readonly ResiliencePipeline<EndpointReply> _pipeline;
    private long _retries;

    public EndpointClient(HttpClient http, EndpointSpec spec, CallBudget budget, EndpointGate? gate = null, EndpointClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        _http = http;
        Spec = spec;
        Budget = budget ?? throw new ArgumentNullException(nameof(budget));
        Gate = gate ?? new EndpointGate(spec.MaxConcurrency);
        _options = options ?? new EndpointClientOptions();
        _options.Validate();
        var builder = new ResiliencePipelineBuilder<EndpointReply>();
        if (_options.MaxRetries > 0)
            builder.AddRetry(new RetryStrategyOptions<EndpointReply>
            {
                ShouldHandle = args => ValueTask.FromResult(Transient(args.Outcome)),
                MaxRetryAttempts = _options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = _options.BaseDelay,
                MaxDelay = _options.MaxDelay,
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result?.RetryAfter),
                OnRetry = _ => { Interlocked.Increment(ref _retries); return ValueTask.CompletedTask; },
            });
        _pipeline = builder
            .AddTimeout(spec.Timeout)
            .Build();
    }

    public EndpointSpec Spec { get; }
    public CallBudget Budget { get; }
    public EndpointGate Gate { get; }
    /// <summary>Attempts repeated after a transient failure.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    public Task<ChatResponse> ChatAsync(ChatRequest request, CancellationToken ct) =>
        PostAsync<ChatRequest, ChatResponse>("chat/completions", request, ct);

    public Task<CompletionResponse> CompletionAsync(CompletionRequest request, CancellationToken ct) =>
        PostAsync<CompletionRequest, CompletionResponse>("completions", request, ct);

    /// <summary>vLLM's tokenizer route, at the server root.</summary>
    public Task<TokenizeResponse> TokenizeAsync(TokenizeRequest request, CancellationToken ct) =>
        PostAsync<TokenizeRequest, TokenizeResponse>("/tokenize", request, ct);

    /// <summary>POSTs <paramref name="body"/> as JSON to a route under the base URL and reads the answer.</summary>
    public async Task<TResponse> PostAsync<TRequest, TResponse>(string route, TRequest body, CancellationToken ct)
    {
        var uri = Spec.Route(route);
        var json = JsonSerializer.SerializeToUtf8Bytes(body, OpenAiJson.Options);
        EndpointReply reply;
        try
        {
            reply = await _pipeline.ExecuteAsync(async token => await AttemptAsync(uri, json, token), ct);
        }
        catch (TimeoutRejectedException e)
        {
            throw new EndpointException(EndpointFailure.Unavailable,
                $"{route}: no answer within {Spec.Timeout.TotalSeconds:0.#} s, {_options.MaxRetries + 1} times; raise the endpoint's timeout or check it is up", inner: e);
        }
        catch (HttpRequestException e) when (Refusal(e) is { } refused)
        {
            throw new EndpointException(EndpointFailure.Refused, refused.Message, inner: e);
        }
        catch (HttpRequestException e)
        {
            throw new EndpointException(EndpointFailure.Unavailable,
                $"{route}: could not reach {Spec.BaseUrl.Host} ({e.Message}) after {_options.MaxRetries + 1} attempts", inner: e);
        }
        return Read<TResponse>(route, reply);
    }

    private async ValueTask<EndpointReply> AttemptAsync(Uri uri, byte[] json, CancellationToken ct)
    {
        // The call is taken once it holds a slot: a call still waiting when its job is cancelled never goes out, so it is not counted.
        using var slot = await Gate.EnterAsync(ct);
        Budget.Take();
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(json) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (!string.IsNullOrEmpty(Spec.ApiKey)) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Spec.ApiKey);
        foreach (var (name, value) in Spec.Headers) request.Headers.TryAddWithoutValidation(name, value);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        var body = await ReadBoundedAsync(response, ct);
        return new EndpointReply((int)response.StatusCode, body, RetryAfter(response), response.Headers.Location);
    }

    private async Task<byte[]> ReadBoundedAsync(HttpResponseMessage response, CancellationToken ct)
    {
        long max = _options.MaxResponseBytes;
        if (response.Content.Headers.ContentLength > max) throw TooLarge(response.Content.Headers.ContentLength.Value);
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > max) throw TooLarge(buffer.Length + read);
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private EndpointException TooLarge(long bytes) => new(EndpointFailure.ResponseTooLarge,
        $"the endpoint's answer is larger than {_options.MaxResponseBytes} bytes (at least {bytes}); ask for fewer tokens or top log-probs");

    /// <summary>Worth another attempt: 408, 429 (unless it asks for a longer wait than we give), 5xx, timeouts, connection failures.</summary>
    private bool Transient(Outcome<EndpointReply> outcome)
    {
        if (outcome.Exception is { } e)
            return e is TimeoutRejectedException || (e is HttpRequestException http && Refusal(http) is null);
        var r = outcome.Result!;
        if (r.RetryAfter > _options.MaxDelay) return false;
        return r.Status is 408 or 429 || r.Status >= 500;
    }

    private static OutboundRefusedException? Refusal(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
            if (x is OutboundRefusedException refused) return refused;
        return null;
    }

    /// <summary>Retry-After as seconds or an HTTP date; OpenAI's retry-after-ms first (finer).</summary>
    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        if (response.Headers.TryGetValues("retry-after-ms", out var ms) && double.TryParse(ms.FirstOrDefault(),
                System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double millis) && millis >= 0)
            return TimeSpan.FromMilliseconds(millis);
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta) return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        if (header?.Date is { } date) { var wait = date - DateTimeOffset.UtcNow; return wait < TimeSpan.Zero ? TimeSpan.Zero : wait; }
        return null;
    }

    private TResponse Read<TResponse>(string route, EndpointReply reply)
    {
        if (reply.Status is >= 300 and < 400)
            throw new EndpointException(EndpointFailure.Redirect,
                $"{route}: the endpoint answered {reply.Status} (to {reply.Location?.ToString() ?? "nowhere"}); redirects are not followed, register the final URL",
                reply.Status);
        if (reply.Status >= 400)
        {
            var detail = ErrorMessage(reply.Body);
            if (reply.Status is 408 or 429 || reply.Status >= 500)
                throw new EndpointException(EndpointFailure.Unavailable, reply.RetryAfter > _options.MaxDelay
                    ? $"{route}: rate limited ({reply.Status}); the endpoint asks to wait {reply.RetryAfter.Value.TotalSeconds:0} s, more than the {_options.MaxDelay.TotalSeconds:0} s a job waits{detail}"
                    : $"{route}: the endpoint answered {reply.Status} {_options.MaxRetries + 1} times{detail}", reply.Status);
            string hint = reply.Status switch
            {
                401 or 403 => "; check the endpoint's API key",
                404 => $"; check the base URL ({Spec.BaseUrl}) and that the endpoint offers /{route.TrimStart('/')}",
                _ => "",
            };
            throw new EndpointException(EndpointFailure.Rejected, $"{route}: the endpoint refused the request ({reply.Status}){detail}{hint}", reply.Status);
        }
        try
        {
            return JsonSerializer.Deserialize<TResponse>(reply.Body, OpenAiJson.Options)
                ?? throw new JsonException("the body is null");
        }
        catch (JsonException e)
        {
            throw new EndpointException(EndpointFailure.BadResponse,
                $"{route}: the answer is not the OpenAI format ({e.Message}): {Snippet(reply.Body)}", reply.Status, e);
        }
    }

    /// <summary>The error message from an OpenAI-style {"error": {"message"}} body (or RFC 9457 detail), else a snippet.</summary>
    private static string ErrorMessage(byte[] body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                if (root.TryGetProperty("error", out var error))
                    return ": " + (error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var m) ? m.ToString() : error.ToString());
                if (root.TryGetProperty("detail", out var detail)) return ": " + detail;
            }
        }
        catch (JsonException) { }
        return body.Length == 0 ? "" : ": " + Snippet(body);
    }

    private static string Snippet(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 300));
        return body.Length > 300 ? text + "..." : text;
    }

    /// <summary>An answer read whole: status, body, the wait it asks for, where it redirects.</summary>
    private sealed record EndpointReply(int Status, byte[] Body, TimeSpan? RetryAfter, Uri? Location);
}
