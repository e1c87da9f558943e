using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Xunit.Abstractions;

namespace LeapEngine.Api.Tests.ScaleOut;

/// <summary>
/// An API replica SIGKILLed under load loses nothing: clients submit jobs with Idempotency-Keys and poll them
/// through two replicas, one replica dies mid-stream, and a client that loses its connection retries the same
/// key on the other. Every submission that got a 2xx exists and finishes; a submission whose answer was lost
/// (the replica died while handling it) becomes exactly one job, whether the dead replica had created it or not;
/// usage equals the jobs run. Then the surviving replica, sent SIGTERM, answers the request it is holding
/// before it exits.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ApiSigkillTests(ApiFixture api, ITestOutputHelper output)
{
    private const int Clients = 4;
    private const int JobsPerClient = 12;
    private const int KillAfterAccepted = 12;

    [Trait("Category", "Slow")]
    [Fact]
    public async Task Killing_an_api_replica_under_load_loses_no_accepted_job_and_duplicates_none()
    {
        using var cluster = await Cluster.StartAsync(api.Postgres, "leap_apikill");
        try
        {
            await RunAsync(cluster, output);
        }
        catch (Exception e)
        {
            var log = Path.Combine(Path.GetTempPath(), $"leap-apikill-{Guid.NewGuid():N}.log");
            await File.WriteAllTextAsync(log, cluster.Output());
            throw new Xunit.Sdk.XunitException($"{e.GetType().Name}: {e.Message}\n(every process's output: {log})\n{e.StackTrace}");
        }
    }

    private static async Task RunAsync(Cluster cluster, ITestOutputHelper output)
    {
        var replicas = await Task.WhenAll(cluster.StartApiAsync(), cluster.StartApiAsync());
        var (doomed, survivor) = (replicas[0], replicas[1]);
        cluster.StartWorker(["small"], stepDelayMs: 0, graceSeconds: 5);
        var tenant = await survivor.NewTenantAsync("test");
        using var viaDoomed = doomed.Client(tenant.Key);
        using var viaSurvivor = survivor.Client(tenant.Key);
        var load = new Load(viaDoomed, viaSurvivor);

        // The kill lands while the clients are submitting and polling through both replicas.
        var killer = Task.Run(async () =>
        {
            while (load.Accepted.Count < KillAfterAccepted) await Task.Delay(10);
            doomed.Process.Kill();
        });
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(c => load.RunClientAsync(c, JobsPerClient)));
        await killer;
        output.WriteLine($"{load.Accepted.Count} submissions accepted, {load.ConnectionErrors} requests lost to the kill " +
                         $"({load.Ambiguous.Count} of them submissions, retried with their key on the other replica), {load.Conflicts} 409s while a dead request's key was taken over");

        // The kill was mid-stream: requests to the dead replica failed, and the clients carried on through the other.
        Assert.True(load.ConnectionErrors > 0, "no request failed: the replica was killed after the load, not during it");
        Assert.True(doomed.Process.HasExited);
        Assert.Equal(Clients * JobsPerClient, load.Accepted.Count);
        // One job per key, and no job for two keys.
        Assert.Equal(load.Accepted.Count, load.Accepted.Values.Distinct().Count());

        long used = 0;
        foreach (var (key, id) in load.Accepted)
        {
            var job = await JobClient.WaitFinalAsync(viaSurvivor, id, TimeSpan.FromSeconds(120));
            Assert.True(job["status"]!.GetValue<string>() == "succeeded", $"{key}: {job.ToJsonString()}");
            used += job["usage"]!["model_tokens"]!.GetValue<long>();
        }

        // The database holds exactly the accepted jobs: nothing the dead replica created is missing or doubled.
        var tenantId = Guid.ParseExact(tenant.Id["ten_".Length..], "N");
        await using var db = cluster.Database();
        var rows = await db.Jobs.AsNoTracking().Where(j => j.TenantId == tenantId).ToListAsync();
        Assert.Equal(load.Accepted.Keys.Order(), rows.Select(r => r.IdempotencyKey!).Order());
        Assert.Equal(load.Accepted.Values.Order(), rows.Select(r => $"job_{r.Id:N}").Order());
        Assert.All(rows, r => Assert.Equal(JobStatus.Succeeded, r.Status));
        var ledger = await db.UsageMonths.AsNoTracking().SingleAsync(u => u.TenantId == tenantId);
        Assert.Equal((used, 0L, rows.Count), (ledger.UsedTokens, ledger.ReservedTokens, ledger.JobsSucceeded));
        Assert.Equal(used, (await viaSurvivor.GetFromJsonAsync<JsonObject>("/v1/usage"))!["used_model_tokens"]!.GetValue<long>());

        await DrainsOnSigtermAsync(survivor, viaSurvivor);
    }

    /// <summary>
    /// SIGTERM while a long-poll is held: the replica answers it (200, the job's state) and then exits cleanly.
    /// The job is of class hf, which no worker serves, so it stays queued and the long-poll waits its full time.
    /// </summary>
    private static async Task DrainsOnSigtermAsync(Replica replica, HttpClient http)
    {
        var waiting = (await JobClient.SubmitGenerationAsync(http, new { model = "stories260K-hf", prompt = "Once upon a time", max_tokens = 2 }))["id"]!.GetValue<string>();
        var held = http.GetAsync($"/v1/jobs/{waiting}?wait=4");
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.False(held.IsCompleted, "the long-poll ended before the SIGTERM");
        replica.Process.Terminate();
        var answer = await held;
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("queued", (await answer.Content.ReadFromJsonAsync<JsonObject>())!["status"]!.GetValue<string>());
        Assert.Equal(0, await replica.Process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
    }

    /// <summary>
    /// The clients' side: each submission has its own Idempotency-Key and goes to the replicas in turn; a
    /// connection error (the replica is gone, or died while answering) is retried with the same key on the
    /// surviving replica, a 409 (the dead request's claim on the key is not yet stale) after its Retry-After.
    /// </summary>
    private sealed class Load(HttpClient doomed, HttpClient survivor)
    {
        public ConcurrentDictionary<string, string> Accepted { get; } = new();
        public ConcurrentBag<string> Ambiguous { get; } = [];
        private int _connectionErrors;
        private int _conflicts;
        public int ConnectionErrors => _connectionErrors;
        public int Conflicts => _conflicts;

        public async Task RunClientAsync(int client, int jobs)
        {
            for (int i = 0; i < jobs; i++)
            {
                string key = $"load-{client}-{i}";
                var id = await SubmitAsync(key, (client + i) % 2 == 0 ? doomed : survivor);
                Accepted[key] = id;
                // Poll through the other replica, as a client behind a balancer would.
                await GetAsync($"/v1/jobs/{id}", (client + i) % 2 == 0 ? survivor : doomed);
            }
        }

        private async Task<string> SubmitAsync(string key, HttpClient first)
        {
            var target = first;
            for (int attempt = 0; attempt < 60; attempt++)
            {
                HttpResponseMessage response;
                try
                {
                    response = await JobClient.PostGenerationAsync(target, new { prompt = "Once upon a time", max_tokens = 1 }, key);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    // Refused, cut or timed out (a connection to the replica as it died): sent or not, answered or
                    // not, the client cannot know. The same key on the surviving replica settles it.
                    Interlocked.Increment(ref _connectionErrors);
                    Ambiguous.Add(key);
                    target = survivor;
                    continue;
                }
                if (response.StatusCode == HttpStatusCode.Conflict)
                {
                    Interlocked.Increment(ref _conflicts);
                    await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
                    continue;
                }
                var text = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{key}: {(int)response.StatusCode} {text}");
                return JsonNode.Parse(text)!["id"]!.GetValue<string>();
            }
            throw new InvalidOperationException($"{key} was never accepted");
        }

        private async Task GetAsync(string path, HttpClient first)
        {
            try
            {
                Assert.Equal(HttpStatusCode.OK, (await first.GetAsync(path)).StatusCode);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                Interlocked.Increment(ref _connectionErrors);
                Assert.Equal(HttpStatusCode.OK, (await survivor.GetAsync(path)).StatusCode);
            }
        }
    }
}
