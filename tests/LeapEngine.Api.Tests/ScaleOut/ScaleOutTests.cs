using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LeapEngine.Api.Tests.Infrastructure;

namespace LeapEngine.Api.Tests.ScaleOut;

/// <summary>
/// The production shape: two API processes and a worker for class small on one PostgreSQL database. A
/// plan's rate limit holds across both replicas; a job of a class no worker serves shows "provisioning";
/// a job submitted through one replica is cancelled through the other. The SIGTERM hand-over between
/// workers is WorkerSigtermTests, an API replica SIGKILLed under load ApiSigkillTests, the metrics an
/// autoscaler reads MetricsScrapeTests.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ScaleOutTests(ApiFixture api)
{
    private const double GraceSeconds = 1;
    private const int StepDelayMs = 60;     // 120 tokens: ~7 s, long enough to be interrupted mid-way

    [Fact]
    [Trait("Category", "Slow")]   // 18 s on the quiet CI machine: two API processes and two workers
    public async Task Two_api_replicas_and_two_worker_pools_on_one_database_behave_as_one_system()
    {
        using var cluster = await Cluster.StartAsync(api.Postgres, "leap_scaleout");
        try
        {
            await RunAsync(cluster);
        }
        catch (Exception e)
        {
            // Five processes' logs are too long for a test message: they go to a file the message names.
            var log = Path.Combine(Path.GetTempPath(), $"leap-scaleout-{Guid.NewGuid():N}.log");
            await File.WriteAllTextAsync(log, cluster.Output());
            throw new Xunit.Sdk.XunitException($"{e.GetType().Name}: {e.Message}\n(every process's output: {log})\n{e.StackTrace}");
        }
    }

    private static async Task RunAsync(Cluster cluster)
    {
        var replicas = await Task.WhenAll(cluster.StartApiAsync(), cluster.StartApiAsync());
        var (a, b) = (replicas[0], replicas[1]);
        cluster.StartWorker(["small"], StepDelayMs, GraceSeconds);

        await RateLimitHoldsAcrossReplicasAsync(a, b);

        var tenant = await a.NewTenantAsync("test");
        using var viaA = a.Client(tenant.Key);
        using var viaB = b.Client(tenant.Key);

        // A class with no worker up: the job waits, and says so.
        var hfJob = (await JobClient.SubmitGenerationAsync(viaB, new { model = "stories260K-hf", prompt = "Once upon a time", max_tokens = 4 }))["id"]!.GetValue<string>();
        var waiting = await JobClient.GetAsync(viaA, hfJob);
        Assert.Equal("queued", waiting["status"]!.GetValue<string>());
        Assert.Equal("provisioning", waiting["queue_state"]!.GetValue<string>());
        Assert.Equal(1, waiting["queue_position"]!.GetValue<int>());

        // Submitted through one replica, cancelled through the other, while a worker runs it.
        var cancelMe = (await JobClient.SubmitGenerationAsync(viaA, new { prompt = "The dog", max_tokens = 120, stop_at_eos = false }))["id"]!.GetValue<string>();
        await JobClient.PollAsync(viaB, cancelMe, j => j["status"]!.GetValue<string>() == "running", TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.OK, (await viaB.PostAsync($"/v1/jobs/{cancelMe}/cancel", null)).StatusCode);
        Assert.Equal("cancelled", (await JobClient.WaitFinalAsync(viaA, cancelMe, TimeSpan.FromSeconds(60)))["status"]!.GetValue<string>());
    }

    /// <summary>The "slow" plan allows 5 requests a minute: 10 requests alternating between the replicas get 5 answers, 5 refusals.</summary>
    private static async Task RateLimitHoldsAcrossReplicasAsync(Replica a, Replica b)
    {
        var slow = await a.NewTenantAsync("slow");
        using var slowA = a.Client(slow.Key);
        using var slowB = b.Client(slow.Key);
        // The windows are whole minutes: start well inside one so all ten requests share it.
        int second = DateTime.UtcNow.Second;
        if (second >= 50) await Task.Delay(TimeSpan.FromSeconds(61 - second));
        var answers = new List<(char Replica, HttpResponseMessage Response)>();
        for (int i = 0; i < 10; i++)
            answers.Add(i % 2 == 0 ? ('a', await slowA.GetAsync("/v1/usage")) : ('b', await slowB.GetAsync("/v1/usage")));
        Assert.Equal(5, answers.Count(r => r.Response.StatusCode == HttpStatusCode.OK));
        var refused = answers.Where(r => r.Response.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.Equal(5, refused.Count);
        Assert.Contains(refused, r => r.Replica == 'a');
        Assert.Contains(refused, r => r.Replica == 'b');
        Assert.All(refused, r => Assert.True(r.Response.Headers.RetryAfter is not null, "a 429 without Retry-After"));
        Assert.All(answers, r => Assert.Equal("5", r.Response.Headers.GetValues("RateLimit-Limit").Single()));
    }
}
