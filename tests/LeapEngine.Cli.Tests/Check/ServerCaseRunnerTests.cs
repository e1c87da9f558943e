using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using LeapEngine.Cli;
using LeapEngine.Cli.Check;
using LeapEngine.Cli.Check.Runners;
using LeapEngine.Cli.Server;

namespace LeapEngine.Cli.Tests.Check;

/// <summary>
/// How a case meets the server, against scripted answers: the attribution request it submits, a rate limit retried with
/// the same Idempotency-Key (never a second job), the result's figures read back, and a spent quota or a failed job
/// turned into a could-not-run error.
/// </summary>
public sealed class ServerCaseRunnerTests : IDisposable
{
    private readonly TempConfig _dir = new();

    public void Dispose() => _dir.Dispose();

    private sealed class Scripted(params Func<HttpRequestMessage, HttpResponseMessage>[] answers) : HttpMessageHandler
    {
        public List<(HttpMethod Method, string Path, string? Key, string? Body)> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(ct);
            Requests.Add((request.Method, request.RequestUri!.PathAndQuery, request.Headers.TryGetValues("Idempotency-Key", out var k) ? k.Single() : null, body));
            return answers[Math.Min(Requests.Count - 1, answers.Length - 1)](request);
        }
    }

    private static HttpResponseMessage Json(HttpStatusCode status, string json, int? retryAfter = null)
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (retryAfter is { } s) response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(s));
        return response;
    }

    private const string Result = """
        {"completion_text": " a cat", "system_prompt": {"log_prob_drop": 2.5, "log_prob_without": -9, "attribution_share": 0.75},
         "units": [{"index": 0, "segment": "system", "start": 0, "length": 4, "score": 3.0, "text": "Love"},
                   {"index": 1, "segment": "user", "start": 0, "length": 2, "score": -1.0, "text": "Hi"}]}
        """;

    private (CheckConfig Config, ServerCaseRunner Runner, Scripted Handler) Runner(params Func<HttpRequestMessage, HttpResponseMessage>[] answers)
    {
        var config = CheckConfigReader.Load(_dir.Write("""
            model: stories260K
            system_prompt: Love cats.
            spans: {love: Love}
            settings: {method: hipe, unit: token, perturbation: hide, max_new_tokens: 4}
            cases:
              - name: hi
                messages: [{role: user, content: Hi}, {role: assistant, content: Hello}]
                completion: " a cat"
                assert: [attribution_share: {max: 1}]
            """));
        var handler = new Scripted(answers);
        var client = new LeapApiClient(new Uri("http://leap.test/"), "k", TextWriter.Null, maxRetries: 2, handler: handler);
        return (config, new ServerCaseRunner(config, "stories260K", client, new StatusLine(TextWriter.Null, false)), handler);
    }

    [Fact]
    public async Task A_case_is_one_attribution_job_retried_under_one_idempotency_key_and_read_back()
    {
        var (config, runner, handler) = Runner(
            _ => Json(HttpStatusCode.TooManyRequests, """{"type":"/problems/rate-limited","detail":"slow down"}""", retryAfter: 0),
            _ => Json(HttpStatusCode.Accepted, """{"id":"job_1","status":"queued"}"""),
            _ => Json(HttpStatusCode.OK, $$"""{"id":"job_1","status":"succeeded","result":{{Result}}}"""));
        using (runner)
        {
            var run = await runner.RunAsync(config.Cases[0], default);
            Assert.Equal((" a cat", 2.5, 0.75), (run.Completion, run.LogProbDrop, run.AttributionShare));
            Assert.Equal([new UnitScore("system", 0, 4, 3.0), new UnitScore("user", 0, 2, -1.0)], run.Units);
            Assert.Equal(0.75, Figures.Of(run, config.Spans)["span_share:love"]);
        }
        Assert.Equal(3, handler.Requests.Count);
        var (first, retry, get) = (handler.Requests[0], handler.Requests[1], handler.Requests[2]);
        Assert.Equal((HttpMethod.Post, "/v1/attributions"), (first.Method, first.Path));
        Assert.NotNull(first.Key);
        Assert.Equal((first.Key, first.Body), (retry.Key, retry.Body));   // the retry is the same submission
        Assert.Equal((HttpMethod.Get, "/v1/jobs/job_1"), (get.Method, get.Path));
        var body = JsonNode.Parse(first.Body!)!;
        Assert.Equal("""[{"name":"system","text":"Love cats."},{"name":"user","text":"Hi"},{"name":"assistant","text":"Hello"}]""",
            body["segments"]!.ToJsonString());
        Assert.Equal(("stories260K", "hipe", "token", "hide", "auto", 4, " a cat"),
            (body["model"]!.GetValue<string>(), body["method"]!.GetValue<string>(), body["unit"]!.GetValue<string>(),
             body["perturbation"]!.GetValue<string>(), body["template"]!.GetValue<string>(), body["max_new_tokens"]!.GetValue<int>(),
             body["completion"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_spent_quota_is_not_retried_and_says_why()
    {
        var (config, runner, handler) = Runner(_ => Json(HttpStatusCode.PaymentRequired,
            """{"type":"/problems/quota-exceeded","detail":"the plan's 100000 model tokens for this month are spent"}"""));
        using (runner)
        {
            var e = await Assert.ThrowsAsync<ServerException>(() => runner.RunAsync(config.Cases[0], default));
            Assert.Contains("402 to v1/attributions /problems/quota-exceeded: the plan's 100000 model tokens for this month are spent", e.Message);
        }
        Assert.Single(handler.Requests);
    }

    [Fact]
    public async Task A_failed_job_is_an_error_with_its_code()
    {
        var (config, runner, _) = Runner(
            _ => Json(HttpStatusCode.Accepted, """{"id":"job_2","status":"queued"}"""),
            _ => Json(HttpStatusCode.OK, """{"id":"job_2","status":"failed","error":{"code":"model_unavailable","message":"the model could not load"}}"""));
        using (runner)
        {
            var e = await Assert.ThrowsAsync<ServerException>(() => runner.RunAsync(config.Cases[0], default));
            Assert.Equal("hi: the attribution job job_2 failed (model_unavailable: the model could not load)", e.Message);
        }
    }

    [Fact]
    public void A_result_without_the_figures_is_refused_clearly()
    {
        var e = Assert.Throws<ServerException>(() => ServerCaseRunner.Parse(JsonNode.Parse("""{"units": []}""")!.AsObject(), "job_3"));
        Assert.Contains("job job_3's result has no system_prompt figures", e.Message);
        e = Assert.Throws<ServerException>(() => ServerCaseRunner.Parse(JsonNode.Parse("""{"system_prompt": {}, "units": []}""")!.AsObject(), "job_3"));
        Assert.Contains("is not an attribution result this leap understands", e.Message);
    }
}
