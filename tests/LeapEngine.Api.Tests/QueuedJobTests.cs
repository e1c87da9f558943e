using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeapEngine.Api.Tests;

/// <summary>
/// On the production-shape API (no in-process worker) jobs wait in the queue until a worker
/// process starts: queue positions, cancelling queued jobs, saturation, and paid-before-free.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class QueuedJobTests(ApiFixture api)
{
    [Fact]
    public async Task Queued_jobs_show_their_position_cancel_at_once_and_a_full_queue_answers_503()
    {
        var tenant = await api.NewProductionTenantAsync();
        var ids = new List<string>();
        for (int i = 0; i < ApiFixture.ProductionMaxQueuedJobs; i++)
            ids.Add((await JobClient.SubmitGenerationAsync(tenant.Http, new { prompt = $"Wait {i}", max_tokens = 4 }))["id"]!.GetValue<string>());
        try
        {
            var positions = new List<int>();
            foreach (var id in ids) positions.Add((await JobClient.GetAsync(tenant.Http, id))["queue_position"]!.GetValue<int>());
            Assert.Equal(positions.Order(), positions);
            Assert.Equal(positions.Distinct().Count(), positions.Count);

            var full = await JobClient.PostGenerationAsync(tenant.Http, new { prompt = "One more", max_tokens = 4 });
            await JobClient.AssertProblemAsync(full, HttpStatusCode.ServiceUnavailable, "unavailable");
            Assert.True(int.Parse(full.Headers.GetValues("Retry-After").Single()) > 0);

            var before = (await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/usage"))!;
            var cancel = await tenant.Http.PostAsync($"/v1/jobs/{ids[0]}/cancel", null);
            Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
            var cancelled = (await cancel.Content.ReadFromJsonAsync<JsonObject>())!;
            Assert.Equal("cancelled", cancelled["status"]!.GetValue<string>());   // at once: no worker involved
            var after = (await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/usage"))!;
            Assert.Equal(before["active_jobs"]!.GetValue<int>() - 1, after["active_jobs"]!.GetValue<int>());
            Assert.True(after["reserved_model_tokens"]!.GetValue<long>() < before["reserved_model_tokens"]!.GetValue<long>());
            Assert.Equal(0, after["used_model_tokens"]!.GetValue<long>());

            // Room again.
            ids.Add((await JobClient.SubmitGenerationAsync(tenant.Http, new { prompt = "Now it fits", max_tokens = 4 }))["id"]!.GetValue<string>());
        }
        finally
        {
            foreach (var id in ids) await tenant.Http.PostAsync($"/v1/jobs/{id}/cancel", null);
        }
        var usage = (await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/usage"))!;
        Assert.Equal(0, usage["reserved_model_tokens"]!.GetValue<long>());
        Assert.Equal(0, usage["active_jobs"]!.GetValue<int>());
    }

    [Fact]
    public async Task Paid_work_is_dequeued_before_free_work()
    {
        var (factory, connection) = await api.ProductionApiAsync();
        var free = await api.NewProductionTenantAsync("free");
        var pro = await api.NewProductionTenantAsync("pro");
        // Free first, then pro: with one worker slot the pro job must still start first.
        var freeJob = (await JobClient.SubmitGenerationAsync(free.Http, new { prompt = "Free", max_tokens = 4 }))["id"]!.GetValue<string>();
        var proJob = (await JobClient.SubmitGenerationAsync(pro.Http, new { prompt = "Pro", max_tokens = 4 }))["id"]!.GetValue<string>();

        using (WorkerKillTests.StartWorker(connection, stepDelayMs: 0, workers: 1))
        {
            Assert.Equal("succeeded", (await JobClient.WaitFinalAsync(free.Http, freeJob, TimeSpan.FromSeconds(90)))["status"]!.GetValue<string>());
            Assert.Equal("succeeded", (await JobClient.WaitFinalAsync(pro.Http, proJob, TimeSpan.FromSeconds(30)))["status"]!.GetValue<string>());
        }
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeapEngine.Data.LeapDbContext>();
        var rows = await db.Jobs.AsNoTracking().Where(j => j.Status == JobStatus.Succeeded).ToListAsync();
        var freeRow = rows.Single(j => j.Id == Guid.ParseExact(freeJob["job_".Length..], "N"));
        var proRow = rows.Single(j => j.Id == Guid.ParseExact(proJob["job_".Length..], "N"));
        Assert.Equal("p2_small", freeRow.Queue);
        Assert.Equal("p1_small", proRow.Queue);
        Assert.True(proRow.StartedAt < freeRow.StartedAt, $"pro started {proRow.StartedAt:O}, free {freeRow.StartedAt:O}");
    }
}
