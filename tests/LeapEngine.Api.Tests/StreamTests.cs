using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LeapEngine.Api.Streaming;
using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Data;
using JobStatus = LeapEngine.Data.Entities.JobStatus;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace LeapEngine.Api.Tests;

/// <summary>
/// Held connections (SSE streams and long-polls) on the streams API, where jobs stay queued (no
/// worker), so a connection stays open until the test, the limit, the clock or a revocation ends it.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class StreamTests(ApiFixture api, ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Held_connection_limit_admits_exactly_the_plan_limit_under_a_parallel_burst_and_spares_other_tenants()
    {
        var tenant = await api.NewStreamsTenantAsync();
        var other = await api.NewStreamsTenantAsync();
        var job = await QueuedJobAsync(tenant);
        var held = await HeldAsync();
        using var cancel = new CancellationTokenSource();

        // 30 at once from one tenant, streams and long-polls mixed: they share one limit (10 on the "streams" plan).
        var requests = Enumerable.Range(0, 30).Select(i => i % 2 == 0
            ? EventStream.SendAsync(tenant.Http, job, ct: cancel.Token)
            : tenant.Http.GetAsync($"/v1/jobs/{job}?wait=30", cancel.Token)).ToList();
        try
        {
            await Until(() => requests.Count(r => r.IsCompletedSuccessfully && r.Result.StatusCode == HttpStatusCode.TooManyRequests) == 20,
                "20 of 30 refused");
            var tenantId = Guid.Parse(tenant.Id[4..]);
            Assert.Equal(10, held.HeldBy(tenantId));
            var answered = requests.Where(r => r.IsCompleted).Select(r => r.Result).ToList();
            int refused = answered.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests);
            int streaming = answered.Count(r => r.StatusCode == HttpStatusCode.OK);
            int waiting = requests.Count(r => !r.IsCompleted);   // accepted long-polls block until the job ends or 30 s pass
            Assert.Equal((20, 10), (refused, streaming + waiting));

            var tooMany = answered.First(r => r.StatusCode == HttpStatusCode.TooManyRequests);
            await JobClient.AssertProblemAsync(tooMany, HttpStatusCode.TooManyRequests, "too-many-streams");
            Assert.True(int.Parse(tooMany.Headers.GetValues("Retry-After").Single()) > 0);

            // A read that does not wait holds nothing, so it is still answered; another tenant has its own limit.
            Assert.Equal(HttpStatusCode.OK, (await tenant.Http.GetAsync($"/v1/jobs/{job}?wait=0")).StatusCode);
            using var others = await EventStream.OpenAsync(other.Http, await QueuedJobAsync(other));
            Assert.Equal("progress", (await others.NextAsync(Patience))!.Event);
        }
        finally
        {
            // Every client leaves: each slot comes back, whether its connection was a stream or a long-poll.
            cancel.Cancel();
            foreach (var r in requests)
            {
                try { (await r).Dispose(); }
                catch (OperationCanceledException) { /* a long-poll the client gave up on */ }
            }
        }
        await Until(() => held.HeldBy(Guid.Parse(tenant.Id[4..])) == 0, "every slot released after the clients left");
        using var again = await EventStream.OpenAsync(tenant.Http, job);
        Assert.Equal("progress", (await again.NextAsync(Patience))!.Event);        CampaignLog.Record("held connections: 30 parallel streams and long-polls against a cap of 10 (over the cap)", 30, 0);
    }

    [Fact]
    public async Task A_slot_is_released_when_its_client_disconnects()
    {
        var tenant = await api.NewStreamsTenantAsync();
        var job = await QueuedJobAsync(tenant);
        var streams = new List<EventStream>();
        try
        {
            for (int i = 0; i < 10; i++)
            {
                var stream = await EventStream.OpenAsync(tenant.Http, job);
                streams.Add(stream);
                Assert.Equal("progress", (await stream.NextAsync(Patience))!.Event);
            }
            await JobClient.AssertProblemAsync(await EventStream.SendAsync(tenant.Http, job), HttpStatusCode.TooManyRequests, "too-many-streams");
            streams[0].Dispose();   // the client goes away without a word
            var deadline = DateTime.UtcNow + Patience;
            HttpResponseMessage next;
            while ((next = await EventStream.SendAsync(tenant.Http, job)).StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.True(DateTime.UtcNow < deadline, "the disconnected stream's slot never came back");
                await Task.Delay(100);
            }
            using var reopened = EventStream.Of(next);
            Assert.Equal(HttpStatusCode.OK, next.StatusCode);
            Assert.Equal("progress", (await reopened.NextAsync(Patience))!.Event);
        }
        finally
        {
            foreach (var s in streams) s.Dispose();
        }
    }

    [Fact]
    public async Task A_stream_ends_at_its_maximum_duration_with_a_reconnect_event_and_resumes_from_its_last_id()
    {
        var tenant = await api.NewStreamsTenantAsync();
        var job = await QueuedJobAsync(tenant);
        var (factory, _) = await api.StreamsApiAsync();
        var cache = factory.Services.GetRequiredService<IOptionsMonitorCache<StreamOptions>>();
        cache.TryRemove(Options.DefaultName);
        cache.TryAdd(Options.DefaultName, new StreamOptions { MaxStreamSeconds = 1, ReconnectDelayMs = 700 });
        try
        {
            var clock = Stopwatch.StartNew();
            using (var stream = await EventStream.OpenAsync(tenant.Http, job))
            {
                var first = (await stream.NextAsync(Patience))!;
                Assert.Equal(("1", "progress", "queued"), (first.Id, first.Event, first.Data["status"]!.GetValue<string>()));
                var last = (await stream.NextAsync(Patience))!;
                Assert.Equal(("2", "reconnect", "max_duration"), (last.Id, last.Event, last.Data["reason"]!.GetValue<string>()));
                Assert.Equal(700, stream.Retry);   // EventSource waits this long, then reconnects with Last-Event-ID: 2
                Assert.Null(await stream.NextAsync(Patience));   // and the server has closed the stream
                Assert.InRange(clock.Elapsed.TotalSeconds, 0.9, 10);
            }
            var held = await HeldAsync();
            await Until(() => held.HeldBy(Guid.Parse(tenant.Id[4..])) == 0, "the slot released when the server ended the stream");

            // The reconnection starts with the current state and numbers on from the last id the client saw.
            using var resumed = await EventStream.OpenAsync(tenant.Http, job, lastEventId: "2");
            var state = (await resumed.NextAsync(Patience))!;
            Assert.Equal(("3", "progress"), (state.Id, state.Event));
        }
        finally
        {
            cache.TryRemove(Options.DefaultName);
        }
    }

    [Fact]
    public async Task Revoking_a_key_closes_its_open_stream_and_ends_its_long_poll_within_seconds()
    {
        var tenant = await api.NewStreamsTenantAsync();
        var job = await QueuedJobAsync(tenant);
        var created = (await (await tenant.Http.PostAsync("/v1/keys", ApiFixture.Json(new { name = "dashboard", scopes = new[] { "read" } })))
            .Content.ReadFromJsonAsync<JsonObject>())!;
        var (factory, _) = await api.StreamsApiAsync();
        using var revocable = factory.CreateClient();
        revocable.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", created["key"]!.GetValue<string>());

        using var doomed = await EventStream.OpenAsync(revocable, job);
        Assert.Equal("progress", (await doomed.NextAsync(Patience))!.Event);
        var longPoll = revocable.GetAsync($"/v1/jobs/{job}?wait=30");
        using var kept = await EventStream.OpenAsync(tenant.Http, job);   // the tenant's other key stays valid
        Assert.Equal("progress", (await kept.NextAsync(Patience))!.Event);
        var held = await HeldAsync();
        await Until(() => held.HeldBy(Guid.Parse(tenant.Id[4..])) == 3, "three connections held");

        var clock = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.OK, (await tenant.Http.PostAsync($"/v1/keys/{created["id"]}/revoke", null)).StatusCode);
        var revoked = (await doomed.NextAsync(Patience))!;
        Assert.Equal("revoked", revoked.Event);
        Assert.Equal("/problems/unauthorized", revoked.Data["type"]!.GetValue<string>());
        Assert.Null(await doomed.NextAsync(Patience));
        using var polled = await longPoll.WaitAsync(Patience);
        await JobClient.AssertProblemAsync(polled, HttpStatusCode.Unauthorized, "unauthorized");
        output.WriteLine($"stream and long-poll of the revoked key ended {clock.ElapsedMilliseconds} ms after the revocation");
        Assert.InRange(clock.Elapsed.TotalSeconds, 0, 5);

        await Until(() => held.HeldBy(Guid.Parse(tenant.Id[4..])) == 1, "only the valid key's stream still held");
        await JobClient.AssertProblemAsync(await EventStream.SendAsync(revocable, job), HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task One_shared_poller_serves_every_stream_so_database_round_trips_do_not_grow_with_the_number_of_streams()
    {
        var tenant = await api.NewStreamsTenantAsync("test");   // a plan whose limit is above the 40 streams opened here
        var (factory, commands) = await api.StreamsApiAsync();
        var jobs = new List<string>();
        for (int i = 0; i < 40; i++) jobs.Add(await QueuedJobAsync(tenant));
        var streams = new List<EventStream>();
        try
        {
            async Task<long> RoundTripsWithAsync(int count)
            {
                while (streams.Count < count)
                {
                    var stream = await EventStream.OpenAsync(tenant.Http, jobs[streams.Count]);
                    streams.Add(stream);
                    Assert.Equal("progress", (await stream.NextAsync(Patience))!.Event);
                }
                await Task.Delay(500);   // past the first tick that sees the new jobs
                long before = commands.Count;
                await Task.Delay(TimeSpan.FromSeconds(3));
                return commands.Count - before;
            }
            long few = await RoundTripsWithAsync(2);
            long many = await RoundTripsWithAsync(40);
            output.WriteLine($"EF Core commands in 3 s with idle streams open: 2 streams {few}, 40 streams {many}");
            // 250 ms ticks: one version query each, plus one key check a second, about 15 in 3 s whatever the count.
            // (One poll per stream every 250 ms would be 480 for 40 streams.)
            Assert.InRange(many, 1, few + 4);
            Assert.InRange(many, 1, 25);

            // And the one poller does deliver: a change to five jobs reaches exactly their five streams.
            var changed = jobs.Take(5).Select(id => Guid.Parse(id[4..])).ToList();
            await using (var scope = factory.Services.CreateAsyncScope())
            {
                // What a worker's progress report writes.
                await scope.ServiceProvider.GetRequiredService<LeapDbContext>().Jobs.Where(j => changed.Contains(j.Id))
                    .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, JobStatus.Running).SetProperty(j => j.ProgressDone, 3L)
                        .SetProperty(j => j.ProgressTotal, 8L).SetProperty(j => j.UpdatedAt, DateTime.UtcNow));
            }
            foreach (var stream in streams.Take(5))
            {
                var e = (await stream.NextAsync(Patience))!;
                Assert.Equal(("progress", "running", 3L), (e.Event, e.Data["status"]!.GetValue<string>(), e.Data["progress"]!["done"]!.GetValue<long>()));
            }
        }
        finally
        {
            foreach (var s in streams) s.Dispose();
        }
    }

    [Fact]
    public async Task Queue_position_counts_only_the_callers_own_queued_jobs()
    {
        var first = await api.NewStreamsTenantAsync();
        var second = await api.NewStreamsTenantAsync();
        var a1 = await QueuedJobAsync(first);
        var a2 = await QueuedJobAsync(first);
        var b1 = await QueuedJobAsync(second);
        var a3 = await QueuedJobAsync(first);

        async Task<int> PositionAsync(Tenant t, string id) => (await JobClient.GetAsync(t.Http, id))["queue_position"]!.GetValue<int>();
        int[] own = [await PositionAsync(first, a1), await PositionAsync(first, a2), await PositionAsync(first, a3)];
        Assert.Equal([1, 2, 3], own);
        // Queued behind the first tenant's jobs (and every job other tests left queued), yet first of its own.
        Assert.Equal(1, await PositionAsync(second, b1));
    }

    private async Task<string> QueuedJobAsync(Tenant tenant) =>
        (await JobClient.SubmitGenerationAsync(tenant.Http, new { prompt = "Once upon a time", max_tokens = 4 }))["id"]!.GetValue<string>();

    private async Task<HeldConnections> HeldAsync() =>
        (await api.StreamsApiAsync()).Factory.Services.GetRequiredService<HeldConnections>();

    private static async Task Until(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for: {what}");
            await Task.Delay(50);
        }
    }
}
