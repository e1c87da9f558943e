using System.Diagnostics;
using System.Net;
using System.Text;
using LeapEngine.Cli.Server;

namespace LeapEngine.Cli.Tests.Server;

/// <summary>
/// Transient answers (503, 429, 502/504, a refused connection) are retried with backoff, honouring Retry-After, a bounded
/// number of times; anything else is not retried and becomes one line that says what to fix.
/// </summary>
public sealed class RetryTests
{
    private sealed class Scripted(params Func<HttpResponseMessage>[] answers) : HttpMessageHandler
    {
        public int Calls { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var answer = answers[Math.Min(Calls, answers.Length - 1)];
            Calls++;
            return Task.FromResult(answer());
        }
    }

    private static HttpResponseMessage Problem(HttpStatusCode status, string type, string detail, int? retryAfter = null)
    {
        var response = new HttpResponseMessage(status)
        {
            Content = new StringContent($$"""{"type":"/problems/{{type}}","detail":"{{detail}}"}""", Encoding.UTF8, "application/problem+json"),
        };
        if (retryAfter is { } s) response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(s));
        return response;
    }

    private static HttpResponseMessage Ok() => new(HttpStatusCode.OK) { Content = new StringContent("""{"object":"list","data":[]}""") };

    [Fact]
    public async Task A_503_and_a_429_are_retried_honouring_Retry_After_then_the_answer_is_returned()
    {
        var handler = new Scripted(
            () => Problem(HttpStatusCode.ServiceUnavailable, "unavailable", "database unreachable", retryAfter: 0),
            () => Problem(HttpStatusCode.TooManyRequests, "rate-limited", "over the plan", retryAfter: 1),
            Ok);
        var log = new StringWriter();
        using var client = new LeapApiClient(new Uri("http://leap.test/"), "k", log, maxRetries: 3, handler: handler);
        var clock = Stopwatch.StartNew();
        var body = await client.GetJsonAsync("v1/jobs", CancellationToken.None);
        Assert.Equal("list", body["object"]!.GetValue<string>());
        Assert.Equal(3, handler.Calls);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"Retry-After: 1 not honoured ({clock.Elapsed})");
        Assert.Contains("the server answered 503 /problems/unavailable: database unreachable; retrying in 0 s (1/3)", log.ToString());
        Assert.Contains("the server answered 429 /problems/rate-limited: over the plan; retrying in 1 s (2/3)", log.ToString());
    }

    [Fact]
    public async Task Retries_are_bounded_and_the_last_problem_is_the_message()
    {
        var handler = new Scripted(() => Problem(HttpStatusCode.ServiceUnavailable, "unavailable", "more than 1000 jobs queued", retryAfter: 0));
        using var client = new LeapApiClient(new Uri("http://leap.test/"), "k", TextWriter.Null, maxRetries: 2, handler: handler);
        var e = await Assert.ThrowsAsync<ServerException>(() => client.GetJsonAsync("v1/jobs", CancellationToken.None));
        Assert.Equal(3, handler.Calls);
        Assert.Contains("503", e.Message);
        Assert.Contains("more than 1000 jobs queued", e.Message);
    }

    [Theory]
    [InlineData(HttpStatusCode.Unauthorized, "refused the API key")]
    [InlineData(HttpStatusCode.NotFound, "not found")]
    [InlineData(HttpStatusCode.BadRequest, "answered 400")]
    public async Task A_client_error_is_not_retried(HttpStatusCode status, string expected)
    {
        var handler = new Scripted(() => Problem(status, "x", "what to fix"));
        using var client = new LeapApiClient(new Uri("http://leap.test/"), "k", TextWriter.Null, handler: handler);
        var e = await Assert.ThrowsAsync<ServerException>(() => client.GetJsonAsync("v1/jobs", CancellationToken.None));
        Assert.Equal(1, handler.Calls);
        Assert.Contains(expected, e.Message);
        Assert.Contains("what to fix", e.Message);
    }
}
