using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using LeapEngine.Core.BlackBox.Client;

namespace LeapEngine.Core.Tests.BlackBox;

/// <summary>Retries within the call budget, Retry-After, timeouts, errors that say what to fix, cancellation, the concurrency gate.</summary>
public class EndpointClientTests
{
    private static readonly ChatRequest Hello = new() { Model = "double", Messages = [new ChatMessage("user", "hi")] };

    /// <summary>Answers with a scripted status per call (the last one repeats), optionally after a delay.</summary>
    private sealed class Scripted(Func<int, HttpResponseMessage> answer, Func<int, TimeSpan>? delay = null) : JsonEndpoint
    {
        private int _n;
        public string? LastAuthorization;
        protected override async Task<HttpResponseMessage> AnswerAsync(string path, JsonObject body, HttpRequestMessage request, CancellationToken ct)
        {
            int n = Interlocked.Increment(ref _n);
            LastAuthorization = request.Headers.Authorization?.ToString();
            if (delay?.Invoke(n) is { } wait && wait > TimeSpan.Zero) await Task.Delay(wait, ct);
            return answer(n);
        }
    }

    private static HttpResponseMessage Ok() => JsonEndpoint.Json(new { choices = new[] { new { message = new { role = "assistant", content = "ok" } } } });

    private static HttpResponseMessage TooMany(string header, string value)
    {
        var r = JsonEndpoint.Error(HttpStatusCode.TooManyRequests, "Rate limit reached");
        r.Headers.TryAddWithoutValidation(header, value);
        return r;
    }

    [Fact]
    public async Task A_429_storm_is_retried_honouring_retry_after_within_the_budget()
    {
        var endpoint = new Scripted(n => n <= 4 ? TooMany("retry-after-ms", "30") : Ok());
        var budget = new CallBudget(10);
        var client = endpoint.Client(budget);
        var watch = Stopwatch.StartNew();
        var answer = await client.ChatAsync(Hello, CancellationToken.None);
        Assert.Equal("ok", answer.Choices![0].Message!.Content);
        Assert.Equal(5, endpoint.Calls);
        Assert.Equal(4, client.Retries);
        Assert.Equal(5, budget.Used);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(4 * 30 - 10), $"waited only {watch.ElapsedMilliseconds} ms for four 30 ms Retry-Afters");
        Assert.Equal("Bearer sk-test-secret", endpoint.LastAuthorization);
    }

    [Fact]
    public async Task Every_call_that_goes_out_is_reported_to_the_budgets_observer_and_a_queued_call_cancelled_while_waiting_is_not()
    {
        // One slot: the first call holds it for a while, the second waits for it and is cancelled meanwhile.
        var endpoint = new Scripted(_ => Ok(), n => n == 1 ? TimeSpan.FromMilliseconds(400) : TimeSpan.Zero);
        int observed = 0;
        var budget = new CallBudget(10, () => Interlocked.Increment(ref observed));
        var client = endpoint.Client(budget, new EndpointSpec { BaseUrl = new Uri(JsonEndpoint.BaseUrl), Model = "double", MaxConcurrency = 1 });
        var first = client.ChatAsync(Hello, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var queued = client.ChatAsync(Hello, cancel.Token);
        await Task.Delay(50);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);
        await first;
        Assert.Equal(1, endpoint.Calls);
        Assert.Equal(1, budget.Used);        // the cancelled call never held a slot, so it was never taken
        Assert.Equal(1, Volatile.Read(ref observed));
    }

    [Fact]
    public async Task Retry_after_in_seconds_is_honoured()
    {
        var endpoint = new Scripted(n => n == 1 ? TooMany("Retry-After", "1") : Ok());
        var watch = Stopwatch.StartNew();
        await endpoint.Client().ChatAsync(Hello, CancellationToken.None);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(950), $"waited {watch.ElapsedMilliseconds} ms for Retry-After: 1");
    }

    [Fact]
    public async Task A_storm_longer_than_the_budget_stops_at_the_budget()
    {
        var endpoint = new Scripted(_ => TooMany("retry-after-ms", "1"));
        var budget = new CallBudget(4);
        var e = await Assert.ThrowsAsync<EndpointException>(() => endpoint.Client(budget).ChatAsync(Hello, CancellationToken.None));
        Assert.Equal(EndpointFailure.CallBudgetExhausted, e.Failure);
        Assert.Equal("call_budget_exhausted", e.Code);
        Assert.Equal(4, endpoint.Calls);
        Assert.Equal(4, budget.Used);
    }

    [Fact]
    public async Task Retries_run_out_into_a_clear_error()
    {
        var endpoint = new Scripted(_ => JsonEndpoint.Error(HttpStatusCode.ServiceUnavailable, "overloaded"));
        var client = endpoint.Client(options: new EndpointClientOptions { MaxRetries = 2, BaseDelay = TimeSpan.FromMilliseconds(1) });
        var e = await Assert.ThrowsAsync<EndpointException>(() => client.ChatAsync(Hello, CancellationToken.None));
        Assert.Equal(EndpointFailure.Unavailable, e.Failure);
        Assert.Equal(503, e.Status);
        Assert.Contains("503 3 times: overloaded", e.Message);
    }

    [Fact]
    public async Task Timeouts_are_retried()
    {
        var endpoint = new Scripted(_ => Ok(), n => n <= 2 ? TimeSpan.FromSeconds(30) : TimeSpan.Zero);
        var client = endpoint.Client(spec: new EndpointSpec { BaseUrl = new Uri(JsonEndpoint.BaseUrl), Model = "double", Timeout = TimeSpan.FromMilliseconds(200) });
        var watch = Stopwatch.StartNew();
        await client.ChatAsync(Hello, CancellationToken.None);
        Assert.Equal(3, endpoint.Calls);
        Assert.Equal(2, client.Retries);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Always_timing_out_says_so()
    {
        var endpoint = new Scripted(_ => Ok(), _ => TimeSpan.FromSeconds(30));
        var client = endpoint.Client(spec: new EndpointSpec { BaseUrl = new Uri(JsonEndpoint.BaseUrl), Model = "double", Timeout = TimeSpan.FromMilliseconds(100) },
            options: new EndpointClientOptions { MaxRetries = 1, BaseDelay = TimeSpan.FromMilliseconds(1) });
        var e = await Assert.ThrowsAsync<EndpointException>(() => client.ChatAsync(Hello, CancellationToken.None));
        Assert.Equal(EndpointFailure.Unavailable, e.Failure);
        Assert.Contains("no answer within 0.1 s, 2 times", e.Message);
    }

    [Fact]
    public async Task A_retry_after_longer_than_the_job_waits_fails_at_once()
    {
        var endpoint = new Scripted(_ => TooMany("Retry-After", "3600"));
        var e = await Assert.ThrowsAsync<EndpointException>(() => endpoint.Client().ChatAsync(Hello, CancellationToken.None));
        Assert.Equal(1, endpoint.Calls);
        Assert.Contains("asks to wait 3600 s", e.Message);
    }

    [Fact]
    public async Task A_bad_key_is_not_retried_and_the_key_is_not_in_the_message()
    {
        var endpoint = new Scripted(_ => JsonEndpoint.Error(HttpStatusCode.Unauthorized, "Incorrect API key provided"));
        var e = await Assert.ThrowsAsync<EndpointException>(() => endpoint.Client().ChatAsync(Hello, CancellationToken.None));
        Assert.Equal(EndpointFailure.Rejected, e.Failure);
        Assert.Equal(1, endpoint.Calls);
        Assert.Contains("Incorrect API key provided; check the endpoint's API key", e.Message);
        Assert.DoesNotContain("sk-test-secret", e.Message);
        Assert.DoesNotContain("sk-test-secret", new EndpointSpec { BaseUrl = new Uri(JsonEndpoint.BaseUrl), Model = "m", ApiKey = "sk-test-secret" }.ToString());
    }

    [Fact]
    public async Task An_answer_in_another_shape_is_a_bad_response()
    {
        var endpoint = new Scripted(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("<html>login</html>") });
        var e = await Assert.ThrowsAsync<EndpointException>(() => endpoint.Client().ChatAsync(Hello, CancellationToken.None));
        Assert.Equal(EndpointFailure.BadResponse, e.Failure);
        Assert.Contains("<html>login</html>", e.Message);
    }

    [Fact]
    public async Task Cancellation_stops_a_call_in_flight()
    {
        var endpoint = new Scripted(_ => Ok(), _ => TimeSpan.FromSeconds(60));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(150));
        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => endpoint.Client().ChatAsync(Hello, cts.Token));
        // Far below the endpoint's 60 s (generous: the 2-core build machine runs at load 40+).
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
        Assert.Equal(1, endpoint.Calls);
    }

    [Fact]
    public async Task The_gate_bounds_calls_in_flight()
    {
        var endpoint = new Scripted(_ => Ok(), _ => TimeSpan.FromMilliseconds(30));
        var client = endpoint.Client(spec: new EndpointSpec { BaseUrl = new Uri(JsonEndpoint.BaseUrl), Model = "double", MaxConcurrency = 3 });
        await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => client.ChatAsync(Hello, CancellationToken.None)));
        Assert.Equal(3, client.Gate.Peak);
        Assert.Equal(12, endpoint.Calls);
    }

    [Theory]
    [InlineData(0, "max_concurrency")]
    [InlineData(65, "max_concurrency")]
    public void Spec_limits_are_checked(int concurrency, string field)
    {
        var spec = new EndpointSpec { BaseUrl = new Uri(JsonEndpoint.BaseUrl), Model = "m", MaxConcurrency = concurrency };
        Assert.Contains(field, Assert.Throws<ArgumentException>(spec.Validate).Message);
        var header = new EndpointSpec { BaseUrl = new Uri(JsonEndpoint.BaseUrl), Model = "m", Headers = new Dictionary<string, string> { ["Authorization"] = "x" } };
        Assert.Contains("api_key", Assert.Throws<ArgumentException>(header.Validate).Message);
        Assert.Contains("model is required", Assert.Throws<ArgumentException>(new EndpointSpec { BaseUrl = new Uri(JsonEndpoint.BaseUrl), Model = " " }.Validate).Message);
    }
}
