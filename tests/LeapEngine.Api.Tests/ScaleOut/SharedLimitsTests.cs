using System.Net;
using LeapEngine.Api.Auth;
using LeapEngine.Api.Hosting;
using LeapEngine.Api.Limits;
using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LeapEngine.Api.Tests.ScaleOut;

/// <summary>
/// Rate-limit and failed-authentication counts in PostgreSQL are one count for every API replica:
/// two counters (two replicas' worth) hitting one bucket at once never lose or repeat a count.
/// The two-process version (real API replicas behind no balancer) is ScaleOutTests.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class SharedLimitsTests(ApiFixture api)
{
    [Fact]
    public async Task Concurrent_hits_from_two_replicas_count_every_hit_exactly_once()
    {
        var (factory, _) = await api.ProductionApiAsync();
        var contexts = factory.Services.GetRequiredService<IDbContextFactory<LeapDbContext>>();
        var replicas = new[] { Counter(contexts), Counter(contexts) };
        string bucket = $"test:{Guid.NewGuid():N}";

        var hits = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => replicas[i % 2].HitAsync(bucket, CancellationToken.None)));

        // A minute boundary during the burst restarts the count once; every window's counts are then 1..n with no gaps or repeats.
        var counts = hits.Select(h => h.Count).Order().ToList();
        int restarts = counts.Count(c => c == 1);
        Assert.InRange(restarts, 1, 2);
        if (restarts == 1) Assert.Equal(Enumerable.Range(1, 40), counts);
        Assert.All(hits, h => Assert.InRange(h.ResetSeconds, 1, 60));
    }

    [Fact]
    public async Task A_client_blocked_on_one_replica_is_blocked_on_the_other_after_at_most_one_more_failure()
    {
        var (factory, _) = await api.ProductionApiAsync();
        var contexts = factory.Services.GetRequiredService<IDbContextFactory<LeapDbContext>>();
        var options = Options.Create(new ApiOptions { FailedAuthPerMinute = 5 });
        var a = new AuthFailureThrottle(Counter(contexts), options, TimeProvider.System);
        var b = new AuthFailureThrottle(Counter(contexts), options, TimeProvider.System);
        // An address no other test uses (a fresh /64), so the shared count starts at zero.
        var client = IPAddress.Parse($"2001:db8:{Random.Shared.Next(1, 0xffff):x}:{Random.Shared.Next(1, 0xffff):x}::1");

        for (int i = 0; i < 5; i++)
        {
            Assert.Null(a.RetryAfter(client));
            await a.RecordFailureAsync(client, CancellationToken.None);
        }
        var wait = a.RetryAfter(client);
        if (wait is null) return;   // the five failures straddled a minute boundary: the window restarted, as it should
        Assert.InRange(wait.Value.TotalSeconds, 0, 60);
        // Replica b has not seen this client fail yet; its first failure there is counted over the limit and blocks it.
        Assert.Null(b.RetryAfter(client));
        await b.RecordFailureAsync(client, CancellationToken.None);
        Assert.NotNull(b.RetryAfter(client));
    }

    private static DatabaseRateCounter Counter(IDbContextFactory<LeapDbContext> contexts) =>
        new(contexts, TimeProvider.System, NullLogger<DatabaseRateCounter>.Instance);
}
