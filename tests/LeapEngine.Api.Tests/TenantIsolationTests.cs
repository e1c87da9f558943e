using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LeapEngine.Api.Tests.Infrastructure;

namespace LeapEngine.Api.Tests;

/// <summary>Another tenant's objects are indistinguishable from missing ones, on every route that takes an id.</summary>
[Collection(ApiCollection.Name)]
public sealed class TenantIsolationTests(ApiFixture api)
{
    [Fact]
    public async Task Every_route_answers_404_for_another_tenants_objects()
    {
        var owner = await api.NewTenantAsync();
        var other = await api.NewTenantAsync();
        var job = await JobClient.SubmitGenerationAsync(owner.Http, new { prompt = "Mine", max_tokens = 3 });
        var id = job["id"]!.GetValue<string>();
        await JobClient.WaitFinalAsync(owner.Http, id);
        var ownerKeyId = (await owner.Http.GetFromJsonAsync<JsonObject>("/v1/keys"))!["data"]![0]!["id"]!.GetValue<string>();

        var probes = new (HttpMethod Method, string Path)[]
        {
            (HttpMethod.Get, $"/v1/jobs/{id}"),
            (HttpMethod.Get, $"/v1/jobs/{id}?wait=1"),
            (HttpMethod.Get, $"/v1/jobs/{id}/events"),
            (HttpMethod.Post, $"/v1/jobs/{id}/cancel"),
            (HttpMethod.Post, $"/v1/keys/{ownerKeyId}/revoke"),
        };
        foreach (var (method, path) in probes)
        {
            var response = await other.Http.SendAsync(new HttpRequestMessage(method, path));
            await JobClient.AssertProblemAsync(response, HttpStatusCode.NotFound, "not-found");
            // The same route with a random id of the right shape answers the very same way.
            var random = await other.Http.SendAsync(new HttpRequestMessage(method,
                path.Replace(id, $"job_{Guid.NewGuid():N}").Replace(ownerKeyId, $"key_{Guid.NewGuid():N}")));
            Assert.Equal(HttpStatusCode.NotFound, random.StatusCode);
        }

        var list = (await other.Http.GetFromJsonAsync<JsonObject>("/v1/jobs"))!;
        Assert.Empty(list["data"]!.AsArray());
        var cursor = await other.Http.GetAsync($"/v1/jobs?after={id}");
        await JobClient.AssertProblemAsync(cursor, HttpStatusCode.BadRequest, "invalid-request");
        var keys = (await other.Http.GetFromJsonAsync<JsonObject>("/v1/keys"))!["data"]!.AsArray();
        Assert.DoesNotContain(keys, k => k!["id"]!.GetValue<string>() == ownerKeyId);

        // The owner still sees everything untouched: the job is not cancelled and the key still works.
        Assert.Equal("succeeded", (await JobClient.GetAsync(owner.Http, id))["status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await owner.Http.GetAsync("/v1/usage")).StatusCode);
        var usage = (await other.Http.GetFromJsonAsync<JsonObject>("/v1/usage"))!;
        Assert.Equal(0, usage["used_model_tokens"]!.GetValue<long>());
        CampaignLog.Record("cross-tenant reads (every route taking an id, list, cursor, keys)", probes.Length * 2 + 3, 0);
    }
}
