using System.Net;
using LeapEngine.Api.Tests.Infrastructure;

namespace LeapEngine.Api.Tests.ScaleOut;

/// <summary>
/// The metrics an autoscaler and an operator read, scraped as Prometheus scrapes them from a real API process
/// (/metrics, operator key only) and a real worker process (its own metrics port): queue depth per queue, jobs
/// running, run duration and tokens/s per job type, rate-limit and quota rejections counted exactly once
/// per refusal, and the served prompt cache's lookups, reused tokens, entries and size. Fresh processes, so every count starts at zero and is this test's alone.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class MetricsScrapeTests(ApiFixture api)
{
    private const int StepDelayMs = 40;
    private const int LongTokens = 60;     // 60 steps of 40 ms: a run long enough to be seen running

    [Trait("Category", "Slow")]
    [Fact]
    public async Task Queue_depth_runs_and_rejections_appear_on_the_api_and_worker_scrapes_with_their_labels()
    {
        using var cluster = await Cluster.StartAsync(api.Postgres, "leap_metrics");
        try
        {
            await RunAsync(cluster);
        }
        catch (Exception e)
        {
            var log = Path.Combine(Path.GetTempPath(), $"leap-metrics-{Guid.NewGuid():N}.log");
            await File.WriteAllTextAsync(log, cluster.Output());
            throw new Xunit.Sdk.XunitException($"{e.GetType().Name}: {e.Message}\n(every process's output: {log})\n{e.StackTrace}");
        }
    }

    private static async Task RunAsync(Cluster cluster)
    {
        var replica = await cluster.StartApiAsync();
        using var scraper = replica.Client(LeapApiFactory.OperatorKey);
        using var anonymous = replica.Client(null);
        var tenant = await replica.NewTenantAsync("test");
        using var http = replica.Client(tenant.Key);

        // Every tenant's traffic is in there: no key is refused, and so is a tenant's key.
        await JobClient.AssertProblemAsync(await anonymous.GetAsync("/metrics"), HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync("/metrics")).StatusCode);

        // No worker yet: what is submitted waits, and the queue depth says so on the queue of the job's class.
        for (int i = 0; i < 3; i++)
            await JobClient.SubmitGenerationAsync(http, new { prompt = "Once upon a time", max_tokens = 2 });
        var queued = await ScrapeUntilAsync(scraper, "/metrics", m => Depths(m).Sum() == 3);
        var queues = queued.LabelValues("leap_queue_depth", "queue");
        Assert.All(queues, q => Assert.Matches("^p[0-9]+_(small|hf|blackbox)$", q));
        var busy = Assert.Single(queues, q => queued.Value("leap_queue_depth", ("queue", q)) > 0);
        Assert.EndsWith("_small", busy);

        // Each refusal counted once under its label: the 429s a rate limit sent, the submissions a quota refused.
        var slow = await replica.NewTenantAsync("slow");
        using var slowHttp = replica.Client(slow.Key);
        int limited = 0;
        for (int i = 0; i < 8; i++)
            if ((await slowHttp.GetAsync("/v1/usage")).StatusCode == HttpStatusCode.TooManyRequests) limited++;
        Assert.InRange(limited, 1, 8);   // 5 a minute: at least 3 refused, more when a window restarted mid-way
        var daily = await replica.NewTenantAsync("daily");
        using var dailyHttp = replica.Client(daily.Key);
        int refused = 0;
        for (int i = 0; i < 5; i++)
        {
            var response = await JobClient.PostGenerationAsync(dailyHttp, new { prompt = "Once upon a time", max_tokens = 2 });
            if (response.StatusCode != HttpStatusCode.Accepted) refused++;
        }
        Assert.Equal(2, refused);   // the plan allows 3 jobs a day
        var rejections = await ScrapeUntilAsync(scraper, "/metrics",
            m => m.Value("leap_rate_limit_rejections_total", ("bucket", "tenant")) == limited
                 && m.Value("leap_quota_rejections_total", ("quota", "jobs_per_day")) == refused);
        Assert.Null(rejections.Value("leap_quota_rejections_total", ("quota", "concurrent_jobs")));
        Assert.Null(rejections.Value("leap_rate_limit_rejections_total", ("bucket", "operator")));
        Assert.Equal(6, Depths(rejections).Sum());

        // The served prompt cache: an original prompt (a miss, kept), then a perturbed one that reuses its start (a hit).
        const string original = "Once upon a time there was a little girl named Lily. She liked to play in the park.";
        var (_, first) = await OpenAi.OpenAiWire.PostAsync(http, "/v1/completions",
            new { model = "stories260K", prompt = original, echo = true, logprobs = 1, max_tokens = 0 });
        var (_, second) = await OpenAi.OpenAiWire.PostAsync(http, "/v1/completions",
            new { model = "stories260K", prompt = original.Replace(" little", ""), echo = true, logprobs = 1, max_tokens = 0 });
        int reused = second["usage"]!["prompt_tokens_details"]!["cached_tokens"]!.GetValue<int>();
        Assert.Equal(0, first["usage"]!["prompt_tokens_details"]!["cached_tokens"]!.GetValue<int>());
        Assert.True(reused > 0, second.ToJsonString());
        var cached = await ScrapeUntilAsync(scraper, "/metrics", m => m.Value("leap_prompt_cache_lookups_total", ("result", "hit")) == 1);
        Assert.Equal(1, cached.Value("leap_prompt_cache_lookups_total", ("result", "miss")));
        Assert.Equal(reused, cached.Value("leap_prompt_cache_reused_tokens_total"));
        Assert.Equal(2, cached.Value("leap_prompt_cache_entries"));
        Assert.InRange(cached.Value("leap_prompt_cache_size_bytes")!.Value, 1, 16 * 1024 * 1024);   // within the default bound

        // A worker with its metrics port: it runs the six waiting jobs, then a long one that is seen running.
        int port = PostgresServer.FreePort();
        var worker = cluster.StartWorker(["small"], StepDelayMs, graceSeconds: 5, new Dictionary<string, string>
        {
            ["Leap__Telemetry__MetricsPort"] = port.ToString(),
            ["Leap__Telemetry__MetricsHost"] = "127.0.0.1",
        });
        using var workerScraper = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        await ScrapeUntilAsync(scraper, "/metrics", m => Depths(m).Sum() == 0, TimeSpan.FromSeconds(120));
        var longJob = (await JobClient.SubmitGenerationAsync(http, new { prompt = "Once upon a time", max_tokens = LongTokens, stop_at_eos = false }))["id"]!.GetValue<string>();
        await JobClient.PollAsync(http, longJob, j => j["status"]!.GetValue<string>() == "running", TimeSpan.FromSeconds(60));
        await ScrapeUntilAsync(workerScraper, "/metrics", m => m.Value("leap_jobs_running", ("job_type", "generation")) == 1);
        var done = await JobClient.WaitFinalAsync(http, longJob);
        Assert.Equal("succeeded", done["status"]!.GetValue<string>());

        const int runs = 7;
        var ran = await ScrapeUntilAsync(workerScraper, "/metrics",
            m => m.Value("leap_job_duration_seconds_count", ("job_type", "generation"), ("outcome", "succeeded")) == runs);
        Assert.Equal(0, ran.Value("leap_jobs_running", ("job_type", "generation")));
        // The long run alone waited LongTokens steps; nothing was interrupted or failed.
        Assert.True(ran.Value("leap_job_duration_seconds_sum", ("job_type", "generation"), ("outcome", "succeeded")) >= LongTokens * StepDelayMs / 1000.0,
            ran.Text);
        Assert.Null(ran.Value("leap_job_duration_seconds_count", ("job_type", "generation"), ("outcome", "failed")));
        Assert.Equal(runs, ran.Value("leap_job_tokens_per_second_count", ("job_type", "generation")));
        // Every run used tokens in a positive time; the long run's rate is at most its tokens over its steps' pauses.
        long longTokens = done["usage"]!["model_tokens"]!.GetValue<long>();
        double sum = ran.Value("leap_job_tokens_per_second_sum", ("job_type", "generation"))!.Value;
        Assert.True(sum > 0 && double.IsFinite(sum), ran.Text);
        Assert.Equal(runs, ran.Value("leap_job_tokens_per_second_bucket", ("job_type", "generation"), ("le", "+Inf")));
        double ceiling = longTokens / (LongTokens * StepDelayMs / 1000.0);
        var bucket = ran.LabelValues("leap_job_tokens_per_second_bucket", "le").Where(le => le != "+Inf")
            .Select(le => double.Parse(le, System.Globalization.CultureInfo.InvariantCulture)).Where(le => le >= ceiling).Min();
        Assert.True(ran.Value("leap_job_tokens_per_second_bucket", ("job_type", "generation"),
            ("le", bucket.ToString(System.Globalization.CultureInfo.InvariantCulture))) >= 1, $"no run at or under {ceiling:F1} tokens/s:\n{ran.Text}");
        // The worker measures the same queues, now empty.
        Assert.Equal(0, Depths(ran).Sum());
        Assert.False(worker.HasExited);
    }

    private static IEnumerable<double> Depths(PrometheusText m) =>
        m.LabelValues("leap_queue_depth", "queue").Select(q => m.Value("leap_queue_depth", ("queue", q)) ?? 0);

    /// <summary>Scrapes until <paramref name="until"/> holds (counters are read when scraped, and a scrape may be cached briefly).</summary>
    private static async Task<PrometheusText> ScrapeUntilAsync(HttpClient client, string path, Func<PrometheusText, bool> until, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.ToString());
            var scrape = new PrometheusText(await response.Content.ReadAsStringAsync());
            if (until(scrape)) return scrape;
            Assert.True(DateTime.UtcNow < deadline, $"the scrape never showed what was expected:\n{scrape.Text}");
            await Task.Delay(200);
        }
    }
}
