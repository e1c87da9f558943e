using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LeapEngine.Api.Tests.Infrastructure;

namespace LeapEngine.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class IdempotencyTests(ApiFixture api)
{
    [Fact]
    public async Task Replay_returns_the_first_response_and_another_body_is_422()
    {
        var tenant = await api.NewTenantAsync();
        var body = new { prompt = "Once upon a time", max_tokens = 3 };
        var first = await JobClient.PostGenerationAsync(tenant.Http, body, "key-1");
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        var firstJson = await first.Content.ReadAsStringAsync();

        var replay = await JobClient.PostGenerationAsync(tenant.Http, body, "key-1");
        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        Assert.Equal(firstJson, await replay.Content.ReadAsStringAsync());
        Assert.Equal(first.Headers.Location, replay.Headers.Location);
        Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());

        var other = await JobClient.PostGenerationAsync(tenant.Http, new { prompt = "Something else", max_tokens = 3 }, "key-1");
        await JobClient.AssertProblemAsync(other, HttpStatusCode.UnprocessableEntity, "idempotency-key-reused");

        // Keys are per tenant: another tenant may use the same key for its own request.
        var neighbour = await api.NewTenantAsync();
        Assert.Equal(HttpStatusCode.Accepted, (await JobClient.PostGenerationAsync(neighbour.Http, body, "key-1")).StatusCode);

        var jobs = (await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/jobs"))!["data"]!.AsArray();
        Assert.Single(jobs);
        Assert.Equal(1, (await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/usage"))!["jobs_today"]!.GetValue<int>());
    }

    [Fact]
    public async Task Concurrent_duplicates_create_one_job()
    {
        var tenant = await api.NewTenantAsync();
        var body = new { prompt = "Race", max_tokens = 2 };
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => JobClient.PostGenerationAsync(tenant.Http, body, "race-key")));
        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.Conflict, r.StatusCode.ToString()));
        var ids = new HashSet<string>();
        foreach (var r in responses.Where(r => r.StatusCode == HttpStatusCode.Accepted))
            ids.Add((await r.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>());
        Assert.Single(ids);
        Assert.Single((await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/jobs"))!["data"]!.AsArray());
    }

    [Fact]
    public async Task A_refused_first_attempt_frees_the_key()
    {
        var tenant = await api.NewTenantAsync();
        var bad = await JobClient.PostGenerationAsync(tenant.Http, new { prompt = "x", max_tokens = 0 }, "retry-me");
        await JobClient.AssertProblemAsync(bad, HttpStatusCode.BadRequest, "invalid-request");
        var fixedBody = await JobClient.PostGenerationAsync(tenant.Http, new { prompt = "x", max_tokens = 2 }, "retry-me");
        Assert.Equal(HttpStatusCode.Accepted, fixedBody.StatusCode);
    }
}
