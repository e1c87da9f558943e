using System.Net;
using System.Text.Json.Nodes;

namespace LeapEngine.Core.Tests.BlackBox;

/// <summary>
/// Wraps another double: answers every n-th call with a 429 (retry-after-ms: 1) or a 503, alternately, and
/// answers every call after <paramref name="delay"/> (a slow endpoint).
/// </summary>
public sealed class FlakyEndpoint(JsonEndpoint inner, int everyNth, TimeSpan delay = default) : JsonEndpoint
{
    private readonly HttpMessageInvoker _inner = new(inner, disposeHandler: false);
    private int _n, _afterCancel;

    /// <summary>A token the test cancels; calls that arrive after it was cancelled are counted.</summary>
    public CancellationToken Watched { get; set; }
    /// <summary>Calls that reached the endpoint after <see cref="Watched"/> was cancelled.</summary>
    public int CallsAfterCancel => Volatile.Read(ref _afterCancel);

    protected override async Task<HttpResponseMessage> AnswerAsync(string path, JsonObject body, HttpRequestMessage request, CancellationToken ct)
    {
        int n = Interlocked.Increment(ref _n);
        if (Watched.IsCancellationRequested) Interlocked.Increment(ref _afterCancel);
        if (delay > TimeSpan.Zero) await Task.Delay(delay, ct);
        if (n % everyNth == 0)
        {
            var fault = Error(n / everyNth % 2 == 0 ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.TooManyRequests, "try again");
            fault.Headers.TryAddWithoutValidation("retry-after-ms", "1");
            return fault;
        }
        var forward = new HttpRequestMessage(HttpMethod.Post, request.RequestUri) { Content = new StringContent(body.ToJsonString()) };
        return await _inner.SendAsync(forward, ct);
    }
}
