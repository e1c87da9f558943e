using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LeapEngine.Api.Tests.Infrastructure;

namespace LeapEngine.Api.Tests;

/// <summary>Plans are enforced at submission, atomically: parallel submissions never overspend.</summary>
[Collection(ApiCollection.Name)]
public sealed class QuotaTests(ApiFixture api)
{
    [Fact]
    public async Task Parallel_submissions_never_overspend_monthly_compute()
    {
        // The 'compute' plan has 100 model tokens a month. Each job reserves prompt + 20 tokens
        // and, with stop_at_eos off, uses exactly that: so exactly floor(100 / cost) may run.
        var tenant = await api.NewTenantAsync("compute");
        var body = new { prompt = "Once upon a time", max_tokens = 20, stop_at_eos = false };
        var responses = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => JobClient.PostGenerationAsync(tenant.Http, body)));
        var accepted = responses.Where(r => r.StatusCode == HttpStatusCode.Accepted).ToList();
        foreach (var refused in responses.Where(r => r.StatusCode != HttpStatusCode.Accepted))
            await JobClient.AssertProblemAsync(refused, HttpStatusCode.PaymentRequired, "quota-exceeded");

        var jobs = new List<JsonObject>();
        foreach (var r in accepted) jobs.Add((await r.Content.ReadFromJsonAsync<JsonObject>())!);
        long cost = jobs[0]["usage"]!["reserved_model_tokens"]!.GetValue<long>();
        Assert.Equal(100 / cost, accepted.Count);

        foreach (var job in jobs)
            Assert.Equal("succeeded", (await JobClient.WaitFinalAsync(tenant.Http, job["id"]!.GetValue<string>()))["status"]!.GetValue<string>());
        var usage = (await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/usage"))!;
        Assert.Equal(cost * accepted.Count, usage["used_model_tokens"]!.GetValue<long>());
        Assert.True(usage["used_model_tokens"]!.GetValue<long>() <= 100);
        Assert.Equal(0, usage["reserved_model_tokens"]!.GetValue<long>());
        Assert.Equal(100 - cost * accepted.Count, usage["remaining_model_tokens"]!.GetValue<long>());

        // Spent is spent: the next submission is refused too.
        await JobClient.AssertProblemAsync(await JobClient.PostGenerationAsync(tenant.Http, body), HttpStatusCode.PaymentRequired,
            "quota-exceeded");
    }

    [Fact]
    public async Task Parallel_submissions_respect_jobs_per_day()
    {
        var tenant = await api.NewTenantAsync("daily");   // 3 jobs a day
        var responses = await Task.WhenAll(Enumerable.Range(0, 10)
            .Select(i => JobClient.PostGenerationAsync(tenant.Http, new { prompt = $"Day {i}", max_tokens = 2 })));
        Assert.Equal(3, responses.Count(r => r.StatusCode == HttpStatusCode.Accepted));
        foreach (var refused in responses.Where(r => r.StatusCode != HttpStatusCode.Accepted))
        {
            await JobClient.AssertProblemAsync(refused, HttpStatusCode.PaymentRequired, "quota-exceeded");
        }
        var usage = (await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/usage"))!;
        Assert.Equal(3, usage["jobs_today"]!.GetValue<int>());
    }

    [Fact]
    public async Task Plan_limits_on_models_and_prompt_tokens_are_checked_before_queueing()
    {
        var restricted = await api.NewTenantAsync("nomodels");
        await JobClient.AssertProblemAsync(await JobClient.PostGenerationAsync(restricted.Http, new { prompt = "Hi" }),
            HttpStatusCode.Forbidden, "forbidden");

        var tenant = await api.NewTenantAsync();            // 'test' plan: at most 64 prompt tokens
        var longPrompt = string.Join(' ', Enumerable.Repeat("cat", 70));   // over 64 tokens, within the context
        var response = await JobClient.PostGenerationAsync(tenant.Http, new { prompt = longPrompt, max_tokens = 1 });
        await JobClient.AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid-request");
        Assert.Contains("64", await response.Content.ReadAsStringAsync());
        var list = (await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/jobs"))!;
        Assert.Empty(list["data"]!.AsArray());                // nothing was queued
        Assert.Equal(0, (await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/usage"))!["jobs_today"]!.GetValue<int>());
    }
}
