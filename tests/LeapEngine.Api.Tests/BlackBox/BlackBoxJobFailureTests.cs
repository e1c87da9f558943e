using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Core.BlackBox.Client;
using LeapEngine.Core.Tests.BlackBox;
using LeapEngine.Data;
using LeapEngine.Data.Entities;
using LeapEngine.Data.Plans;
using Tenant = LeapEngine.Api.Tests.Infrastructure.Tenant;

namespace LeapEngine.Api.Tests.BlackBox;

/// <summary>
/// Black-box jobs when things go wrong: a spent budget, a cancel mid-job, an endpoint that is down, refused by the SSRF
/// policy, unknown or another tenant's, a worker fault and its retry; each ends with a clear error and is billed exactly
/// the calls the endpoint received (the final attempt's, on a retry).
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class BlackBoxJobFailureTests(ApiFixture api)
{
    private static readonly object[] France = [new { role = "user", content = "What is the capital of France?" }];

    private static async Task<JsonObject> RunToEndAsync(Tenant tenant, object body)
    {
        var submitted = await JobClient.SubmitAsync(tenant.Http, "/v1/attributions", body);
        return await JobClient.WaitFinalAsync(tenant.Http, submitted["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_spent_budget_fails_the_job_clearly_and_bills_only_the_calls_made()
    {
        var tenant = await api.NewTenantAsync();
        var chat = new OpenAiChatDouble();
        var (endpoint, _) = BlackBoxJobs.AddDouble(api, tenant, chat, BlackBoxJobs.ChatOnly);
        var job = await RunToEndAsync(tenant, new { endpoint, messages = France, max_new_tokens = 5, max_calls = 4 });

        Assert.Equal("failed", job["status"]!.GetValue<string>());
        Assert.Equal("call_budget_exhausted", job["error"]!["code"]!.GetValue<string>());
        Assert.Contains("budget of 4 endpoint calls", job["error"]!["message"]!.GetValue<string>());
        Assert.Equal(4, chat.Calls);
        Assert.Equal(4, BlackBoxJobs.Long(job["usage"]!["endpoint_calls"]));
        Assert.Equal(4, BlackBoxJobs.Long(job["usage"]!["reserved_endpoint_calls"]));
        var usage = await BlackBoxJobs.UsageAsync(tenant);
        Assert.Equal(4, BlackBoxJobs.Long(usage["used_endpoint_calls"]));
        Assert.Equal(0, BlackBoxJobs.Long(usage["reserved_endpoint_calls"]));
    }

    [Fact]
    public async Task A_cancel_mid_job_stops_the_calls_and_bills_those_made()
    {
        var tenant = await api.NewTenantAsync();
        // One call at a time, each slow: the job lasts for seconds, so the cancel lands midway.
        var slow = new FlakyEndpoint(new OpenAiChatDouble(), everyNth: int.MaxValue, delay: TimeSpan.FromMilliseconds(100));
        var (endpoint, host) = BlackBoxJobs.AddDouble(api, tenant, slow, BlackBoxJobs.ChatOnly, maxConcurrency: 1);
        var words = string.Join(" ", Enumerable.Range(0, 30).Select(i => $"word{i}"));
        var submitted = await JobClient.SubmitAsync(tenant.Http, "/v1/attributions", new
        {
            endpoint, max_new_tokens = 5, messages = new[] { new { role = "user", content = $"{words} What is the capital of France?" } },
        });
        var id = submitted["id"]!.GetValue<string>();
        await JobClient.PollAsync(tenant.Http, id, j => j["progress"]!["done"]!.GetValue<long>() >= 3, TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.OK, (await tenant.Http.PostAsync($"/v1/jobs/{id}/cancel", null)).StatusCode);
        var job = await JobClient.WaitFinalAsync(tenant.Http, id);
        Assert.Equal("cancelled", job["status"]!.GetValue<string>());

        int atCancel = BlackBoxJobs.Routes(api).Calls(host);
        await Task.Delay(1000);
        Assert.Equal(atCancel, BlackBoxJobs.Routes(api).Calls(host));   // nothing went out after the job ended
        Assert.True(atCancel < 30, $"the job made {atCancel} calls: it was not stopped midway");
        Assert.Equal(atCancel, BlackBoxJobs.Long(job["usage"]!["endpoint_calls"]));
    }

    [Fact]
    public async Task An_endpoint_that_is_down_fails_the_job_with_its_error_not_an_internal_one()
    {
        var tenant = await api.NewTenantAsync();
        var down = new FlakyEndpoint(new OpenAiChatDouble(), everyNth: 1);   // every call a 503 or a 429
        var (endpoint, host) = BlackBoxJobs.AddDouble(api, tenant, down);   // never probed: the probe meets it first
        var job = await RunToEndAsync(tenant, new { endpoint, messages = France, max_new_tokens = 5 });

        Assert.Equal("failed", job["status"]!.GetValue<string>());
        Assert.Equal("endpoint_unavailable", job["error"]!["code"]!.GetValue<string>());
        Assert.Matches("answered (503|429)", job["error"]!["message"]!.GetValue<string>());
        Assert.Equal(BlackBoxJobs.Routes(api).Calls(host), BlackBoxJobs.Long(job["usage"]!["endpoint_calls"]));
    }

    [Fact]
    public async Task A_private_endpoint_the_operator_did_not_allow_is_refused_at_connect_time()
    {
        var tenant = await api.NewTenantAsync();
        var endpoint = BlackBoxJobs.Endpoints(api).Add(tenant.Id, new EndpointSpec { BaseUrl = new Uri("http://10.0.0.1:9/v1"), Model = "m" });
        var job = await RunToEndAsync(tenant, new { endpoint, messages = France });
        Assert.Equal("failed", job["status"]!.GetValue<string>());
        Assert.Equal("endpoint_refused", job["error"]!["code"]!.GetValue<string>());
        Assert.Contains("10.0.0.1", job["error"]!["message"]!.GetValue<string>());
        // The one attempt the policy refused at connect time counts as a call; a refusal is never retried.
        Assert.Equal(1, BlackBoxJobs.Long(job["usage"]!["endpoint_calls"]));
    }

    [Fact]
    public async Task Unknown_and_other_tenants_endpoints_are_not_found_at_submission()
    {
        var owner = await api.NewTenantAsync();
        var other = await api.NewTenantAsync();
        var (endpoint, _) = BlackBoxJobs.AddDouble(api, owner, new OpenAiChatDouble(), BlackBoxJobs.ChatOnly);
        foreach (var (tenant, id) in new[] { (other, endpoint), (owner, "ep_does_not_exist") })
        {
            var response = await tenant.Http.PostAsJsonAsync("/v1/attributions", new { endpoint = id, messages = France });
            await JobClient.AssertProblemAsync(response, HttpStatusCode.NotFound, "not-found");
            Assert.Contains($"endpoint '{id}'", (await response.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>());
        }
    }

    [Theory]
    [InlineData("model", """{"model": "stories260K", "endpoint": "ep_x", "messages": [{"role": "user", "content": "Hi"}]}""")]
    [InlineData("messages", """{"endpoint": "ep_x", "text": "Hi"}""")]
    [InlineData("messages", """{"model": "stories260K", "messages": [{"role": "user", "content": "Hi"}]}""")]
    [InlineData("max_calls", """{"model": "stories260K", "text": "Hi", "max_calls": 5}""")]
    [InlineData("spans", """{"endpoint": "ep_x", "unit": "spans", "spans": [{"segment": "user", "start": 0, "length": 2}], "messages": [{"role": "user", "content": "Hi"}]}""")]
    [InlineData("noise_samples", """{"endpoint": "ep_x", "noise_samples": 11, "messages": [{"role": "user", "content": "Hi"}]}""")]
    public async Task Requests_that_mix_model_and_endpoint_forms_are_refused_naming_the_field(string field, string body)
    {
        var tenant = await api.NewTenantAsync();
        var response = await tenant.Http.PostAsync("/v1/attributions", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        await JobClient.AssertInvalidFieldAsync(response, field, body);
    }

    [Fact]
    public async Task A_budget_above_the_plan_is_refused_and_the_month_holds_calls_apart_from_tokens()
    {
        var tenant = await api.NewTenantAsync("calls");   // 50 calls per job, 60 per month
        var (endpoint, _) = BlackBoxJobs.AddDouble(api, tenant, new OpenAiChatDouble(), BlackBoxJobs.ChatOnly);
        var response = await tenant.Http.PostAsJsonAsync("/v1/attributions", new { endpoint, messages = France, max_calls = 51 });
        await JobClient.AssertInvalidFieldAsync(response, "max_calls");

        var tenantId = TestEndpoints.TenantGuid(tenant.Id);
        var plan = new PlanLimits { ConcurrentJobs = 50, EndpointCallsPerMonth = 60, ComputeTokensPerMonth = 100 };
        var now = DateTime.UtcNow;
        await api.DbAsync(async db =>
        {
            await QuotaLedger.EnsureMonthAsync(db, tenantId, now, default);
            Assert.Null(await QuotaLedger.ReserveAsync(db, tenantId, plan, UsageUnits.EndpointCalls, 50, now, default));
            Assert.Equal(QuotaRefusal.EndpointCallsPerMonth, await QuotaLedger.ReserveAsync(db, tenantId, plan, UsageUnits.EndpointCalls, 11, now, default));
            Assert.Null(await QuotaLedger.ReserveAsync(db, tenantId, plan, UsageUnits.ModelTokens, 100, now, default));
            return 0;
        });
        var usage = await BlackBoxJobs.UsageAsync(tenant);
        Assert.Equal(50, BlackBoxJobs.Long(usage["reserved_endpoint_calls"]));
        Assert.Equal(10, BlackBoxJobs.Long(usage["remaining_endpoint_calls"]));
        Assert.Equal(100, BlackBoxJobs.Long(usage["reserved_model_tokens"]));
    }

    [Fact]
    public async Task A_retry_after_a_worker_fault_bills_only_the_attempt_that_finished()
    {
        var tenant = await api.NewTenantAsync();
        var chat = new OpenAiChatDouble();
        var faulty = new FaultOnce(chat, faultAt: 3);
        var (endpoint, host) = BlackBoxJobs.AddDouble(api, tenant, faulty, BlackBoxJobs.ChatOnly, maxConcurrency: 1);
        var job = await RunToEndAsync(tenant, new { endpoint, messages = France, max_new_tokens = 5 });

        Assert.Equal("succeeded", job["status"]!.GetValue<string>());
        int total = BlackBoxJobs.Routes(api).Calls(host);
        long billed = BlackBoxJobs.Long(job["usage"]!["endpoint_calls"]);
        // The first attempt's 3 calls (the third faulted) are the engine's loss; the second attempt's are billed, once.
        Assert.Equal(total - 3, billed);
        Assert.Equal(billed, BlackBoxJobs.Long(job["result"]!["calls"]!["used"]));
        var usage = await BlackBoxJobs.UsageAsync(tenant);
        Assert.Equal(billed, BlackBoxJobs.Long(usage["used_endpoint_calls"]));
        Assert.Equal(0, BlackBoxJobs.Long(usage["reserved_endpoint_calls"]));
        Assert.Equal(1, BlackBoxJobs.Long(usage["jobs_succeeded"]));
    }

    /// <summary>A worker fault: the <paramref name="faultAt"/>-th call throws (not an HTTP failure, so nothing retries it
    /// in the client and the runner retries the whole job).</summary>
    private sealed class FaultOnce(HttpMessageHandler inner, int faultAt) : HttpMessageHandler
    {
        private readonly HttpMessageInvoker _inner = new(inner, disposeHandler: false);
        private int _n;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct) =>
            Interlocked.Increment(ref _n) == faultAt
                ? throw new InvalidOperationException("simulated worker fault")
                : _inner.SendAsync(request, ct);
    }
}
