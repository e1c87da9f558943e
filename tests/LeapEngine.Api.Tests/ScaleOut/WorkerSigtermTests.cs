using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Data.Entities;
using Tenant = LeapEngine.Api.Tests.Infrastructure.Tenant;
using Microsoft.EntityFrameworkCore;
using Xunit.Abstractions;

namespace LeapEngine.Api.Tests.ScaleOut;

/// <summary>
/// Graceful stop with real processes: a worker sent SIGTERM (a deploy, a scale-down) while a long job runs
/// lets the job run for its grace period, then hands it back, and the other worker finishes it once, billed
/// once, at its next poll; a job that finishes within the grace is finished by the stopping worker itself.
/// Both workers serve class small: a hand-back goes to the job's own queue, so only a worker of the same
/// class can take it (the two-class setup, and "provisioning" for a class with no worker, is ScaleOutTests).
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class WorkerSigtermTests(ApiFixture api, ITestOutputHelper output)
{
    // The first worker's steps are slow so the job is still running once the second worker is up (it can take
    // 20 s to start on a loaded machine): 120 tokens at 250 ms. The second reruns it at 60 ms a step.
    private const int FirstStepDelayMs = 250;
    private const int StepDelayMs = 60;
    private const double ShortGraceSeconds = 2;    // the worker stopped mid-job
    // The worker that takes over, stopped later with a short job: generous, since on a machine loaded 30 times over
    // even a 40-step job can take half a minute, and the test asserts the worker did not wait its grace out.
    private const double LongGraceSeconds = 120;
    private const int ShortTokens = 40;            // 40 steps of 60 ms or more: long enough to be seen running
    private const string Prompt = "Once upon a time";

    [Trait("Category", "Slow")]
    [Fact]
    public async Task A_worker_sent_SIGTERM_hands_a_long_job_to_the_other_worker_and_finishes_a_short_one_itself()
    {
        using var cluster = await Cluster.StartAsync(api.Postgres, "leap_sigterm");
        try
        {
            await RunAsync(cluster, output);
        }
        catch (Exception e)
        {
            // Four processes' logs are too long for a test message: they go to a file the message names.
            var log = Path.Combine(Path.GetTempPath(), $"leap-sigterm-{Guid.NewGuid():N}.log");
            await File.WriteAllTextAsync(log, cluster.Output());
            throw new Xunit.Sdk.XunitException($"{e.GetType().Name}: {e.Message}\n(every process's output: {log})\n{e.StackTrace}");
        }
    }

    private static async Task RunAsync(Cluster cluster, ITestOutputHelper output)
    {
        // The first worker is alone when the long job is submitted, so it is the one running it.
        var first = cluster.StartWorker(["small"], FirstStepDelayMs, ShortGraceSeconds);
        var replica = await cluster.StartApiAsync();
        var tenant = await replica.NewTenantAsync("test");
        using var http = replica.Client(tenant.Key);

        var longJob = (await JobClient.SubmitGenerationAsync(http, new { prompt = Prompt, max_tokens = 120, stop_at_eos = false }))["id"]!.GetValue<string>();
        var longId = RowId(longJob);
        await JobClient.PollAsync(http, longJob, j => j["progress"]!["done"]!.GetValue<long>() >= 3, TimeSpan.FromSeconds(90));
        var second = cluster.StartWorker(["small"], StepDelayMs, LongGraceSeconds);
        await second.WaitForOutputAsync("all the dispatchers started", TimeSpan.FromSeconds(90));
        var before = await JobClient.GetAsync(http, longJob);
        Assert.Equal("running", before["status"]!.GetValue<string>());
        Assert.True(before["progress"]!["done"]!.GetValue<long>() < 100, "the long job nearly finished before the SIGTERM; slow it down");

        var clock = Stopwatch.StartNew();
        first.Terminate();
        // The hand-over: the row's second attempt starts on the other worker (polled in the database every 50 ms).
        var restartedAfter = await WaitForAsync(cluster, longId, j => j.Attempt == 2 && j.Status == JobStatus.Running, clock, TimeSpan.FromSeconds(ShortGraceSeconds + 60));
        int exitCode = await first.WaitForExitAsync(TimeSpan.FromSeconds(ShortGraceSeconds + 30));
        var exitedAfter = clock.Elapsed;
        output.WriteLine($"SIGTERM hand-back: restarted on the other worker {restartedAfter.TotalSeconds:F2} s after the SIGTERM " +
                          $"(grace {ShortGraceSeconds} s, poll {Cluster.PollSeconds} s); the stopped worker exited after {exitedAfter.TotalSeconds:F2} s");

        Assert.Equal(0, exitCode);
        // The grace is honoured (the job kept running on the stopping worker for it), and the hand-over then comes at
        // once: within grace + poll, with slack for a loaded machine, not after an invisibility timeout.
        Assert.True(restartedAfter >= TimeSpan.FromSeconds(ShortGraceSeconds), $"handed back before the grace ran out ({restartedAfter})");
        Assert.True(restartedAfter <= TimeSpan.FromSeconds(ShortGraceSeconds + Cluster.PollSeconds + 30), $"the hand-over took {restartedAfter}");

        var done = await JobClient.WaitFinalAsync(http, longJob, TimeSpan.FromSeconds(90));
        Assert.Equal("succeeded", done["status"]!.GetValue<string>());
        Assert.Contains($"Job {longId} attempt 1 handed back: the worker is stopping", first.Output());
        Assert.Contains($"Running generation job {longId} (attempt 2)", second.Output());
        Assert.DoesNotContain($"Running generation job {longId}", StartsOf(first.Output(), attempt: 2));
        Assert.Equal(GenerationJobTests.ExpectedTokens(Prompt, 120, stopAtEos: false), done["result"]!["tokens"]!.AsArray().Select(t => t!.GetValue<int>()).ToArray());
        long longTokens = done["result"]!["prompt_tokens"]!.GetValue<long>() + 120;
        Assert.Equal(longTokens, done["usage"]!["model_tokens"]!.GetValue<long>());
        await using (var db = cluster.Database())
        {
            var row = await db.Jobs.AsNoTracking().SingleAsync(j => j.Id == longId);
            // Two starts, the first handed back: one counted attempt, nothing of the first run billed.
            Assert.Equal((2, 1, 1), (row.Attempt, row.HandedBack, row.CountedAttempts));
        }
        await AssertBilledAsync(cluster, http, tenant, longTokens, succeeded: 1);

        // A job that ends within the grace is finished by the stopping worker: not handed back, attempt 1.
        var shortJob = (await JobClient.SubmitGenerationAsync(http, new { prompt = Prompt, max_tokens = ShortTokens, stop_at_eos = false }))["id"]!.GetValue<string>();
        var seen = await JobClient.PollAsync(http, shortJob, j => j["progress"]!["done"]!.GetValue<long>() >= 1, TimeSpan.FromSeconds(60));
        Assert.Equal("running", seen["status"]!.GetValue<string>());
        clock.Restart();
        second.Terminate();
        Assert.Equal(0, await second.WaitForExitAsync(TimeSpan.FromSeconds(LongGraceSeconds + 30)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(LongGraceSeconds), $"the worker waited out its whole grace ({clock.Elapsed}) for a short job");
        // No worker is left: the job can only have been finished by the one that was stopping.
        var finished = await JobClient.GetAsync(http, shortJob);
        Assert.Equal("succeeded", finished["status"]!.GetValue<string>());
        Assert.Equal(GenerationJobTests.ExpectedTokens(Prompt, ShortTokens, stopAtEos: false), finished["result"]!["tokens"]!.AsArray().Select(t => t!.GetValue<int>()).ToArray());
        Assert.DoesNotContain("handed back", second.Output());
        await using (var db = cluster.Database())
        {
            var row = await db.Jobs.AsNoTracking().SingleAsync(j => j.Id == RowId(shortJob));
            Assert.Equal((1, 0), (row.Attempt, row.HandedBack));
        }
        long shortTokens = finished["result"]!["prompt_tokens"]!.GetValue<long>() + ShortTokens;
        await AssertBilledAsync(cluster, http, tenant, longTokens + shortTokens, succeeded: 2);
    }

    /// <summary>The tenant's ledger and /v1/usage agree: every job billed once, nothing left reserved or active.</summary>
    private static async Task AssertBilledAsync(Cluster cluster, HttpClient http, Tenant tenant, long tokens, int succeeded)
    {
        var tenantId = Guid.ParseExact(tenant.Id["ten_".Length..], "N");
        await using var db = cluster.Database();
        var ledger = await db.UsageMonths.AsNoTracking().SingleAsync(u => u.TenantId == tenantId);
        Assert.Equal((tokens, 0L, succeeded, 0), (ledger.UsedTokens, ledger.ReservedTokens, ledger.JobsSucceeded, ledger.JobsFailed));
        Assert.Equal(0, (await db.Tenants.AsNoTracking().SingleAsync(t => t.Id == tenantId)).ActiveJobs);
        var usage = (await http.GetFromJsonAsync<JsonObject>("/v1/usage"))!;
        Assert.Equal(tokens, usage["used_model_tokens"]!.GetValue<long>());
    }

    private static async Task<TimeSpan> WaitForAsync(Cluster cluster, Guid id, Func<JobRecord, bool> until, Stopwatch clock, TimeSpan timeout)
    {
        await using var db = cluster.Database();
        while (true)
        {
            var row = await db.Jobs.AsNoTracking().SingleAsync(j => j.Id == id);
            if (until(row)) return clock.Elapsed;
            Assert.True(clock.Elapsed < timeout, $"job {id} never reached the expected state (status {row.Status}, attempt {row.Attempt})");
            await Task.Delay(50);
        }
    }

    /// <summary>The lines of <paramref name="output"/> that log the start of <paramref name="attempt"/>.</summary>
    private static string StartsOf(string output, int attempt) =>
        string.Join('\n', output.Split('\n').Where(l => l.Contains($"(attempt {attempt})")));

    private static Guid RowId(string jobId) => Guid.ParseExact(jobId["job_".Length..], "N");
}
