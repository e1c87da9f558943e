using System.Net;
using LeapEngine.Api.Tests.Infrastructure;

namespace LeapEngine.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class RateLimitTests(ApiFixture api)
{
    [Fact]
    public async Task Requests_over_the_plan_rate_get_429_with_retry_after_and_rate_limit_headers()
    {
        var tenant = await api.NewTenantAsync("slow");     // 5 requests per minute
        HttpResponseMessage? limited = null;
        int ok = 0;
        // A minute boundary may reset the window once, so allow up to two windows' worth before the 429.
        for (int i = 0; i < 11 && limited is null; i++)
        {
            var response = await tenant.Http.GetAsync("/v1/usage");
            if (response.StatusCode == HttpStatusCode.TooManyRequests) limited = response;
            else
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal("5", response.Headers.GetValues("RateLimit-Limit").Single());
                Assert.Equal("5", response.Headers.GetValues("X-RateLimit-Limit").Single());
                Assert.True(int.Parse(response.Headers.GetValues("RateLimit-Remaining").Single()) < 5);
                ok++;
            }
        }
        Assert.NotNull(limited);
        Assert.True(ok >= 5, $"limited after only {ok} requests");
        await JobClient.AssertProblemAsync(limited, HttpStatusCode.TooManyRequests, "rate-limited");
        var retryAfter = int.Parse(limited.Headers.GetValues("Retry-After").Single());
        Assert.InRange(retryAfter, 1, 60);
        Assert.Equal("0", limited.Headers.GetValues("RateLimit-Remaining").Single());
        Assert.Equal("0", limited.Headers.GetValues("X-RateLimit-Remaining").Single());
        Assert.InRange(int.Parse(limited.Headers.GetValues("RateLimit-Reset").Single()), 1, 60);

        // Another tenant is not affected.
        var neighbour = await api.NewTenantAsync("slow");
        Assert.Equal(HttpStatusCode.OK, (await neighbour.Http.GetAsync("/v1/usage")).StatusCode);
    }
}
