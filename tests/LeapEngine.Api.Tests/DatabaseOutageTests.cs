using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LeapEngine.Api.Tests.Infrastructure;

namespace LeapEngine.Api.Tests;

/// <summary>A database outage gives 503 problems with Retry-After, and the API recovers without a restart.</summary>
[Collection(ApiCollection.Name)]
public sealed class DatabaseOutageTests(ApiFixture api)
{
    [Trait("Category", "Slow")]
    [Fact]
    public async Task Outage_answers_503_then_the_api_recovers_by_itself()
    {
        var (factory, server) = await api.OutageApiAsync();
        HttpClient Make(string? key)
        {
            var c = factory.CreateClient();
            if (key is not null) c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            return c;
        }
        var tenant = await ApiFixture.NewTenantAsync(Make(LeapApiFactory.OperatorKey), "test", Make);
        Assert.Equal(HttpStatusCode.OK, (await tenant.Http.GetAsync("/v1/usage")).StatusCode);

        await server.StopServerAsync();
        try
        {
            var during = await tenant.Http.GetAsync("/v1/usage");
            await JobClient.AssertProblemAsync(during, HttpStatusCode.ServiceUnavailable, "unavailable");
            Assert.True(during.Headers.Contains("Retry-After"));
            var submit = await JobClient.PostGenerationAsync(tenant.Http, new { prompt = "x", max_tokens = 1 });
            await JobClient.AssertProblemAsync(submit, HttpStatusCode.ServiceUnavailable, "unavailable");
            var ready = await Make(null).GetAsync("/readyz");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.False((await ready.Content.ReadFromJsonAsync<JsonObject>())!["database"]!.GetValue<bool>());
        }
        finally
        {
            await server.StartServerAsync();
        }

        // Same process, same pools: the first requests after the restart may still meet dead
        // pooled connections (answered 503), but the API recovers within seconds.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        HttpStatusCode status;
        do
        {
            status = (await tenant.Http.GetAsync("/v1/usage")).StatusCode;
            Assert.True(status is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"unexpected {status}");
            if (status != HttpStatusCode.OK) await Task.Delay(200);
        } while (status != HttpStatusCode.OK && DateTime.UtcNow < deadline);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(HttpStatusCode.Accepted, (await JobClient.PostGenerationAsync(tenant.Http, new { prompt = "x", max_tokens = 1 })).StatusCode);
        CampaignLog.Record("fault: database stopped during submit (503, then recovery)", 1, 0);
    }
}
