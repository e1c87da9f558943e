using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LeapEngine.Api.Errors;
using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Data;
using LeapEngine.Jobs.Maintenance;
using LeapEngine.Jobs.Models;
using LeapEngine.Jobs.Scheduling;
using Npgsql;

namespace LeapEngine.Api.Tests;

/// <summary>Pieces of the job machinery that the end-to-end tests do not reach on their own.</summary>
[Collection(ApiCollection.Name)]
public sealed class MachineryTests(ApiFixture api)
{
    [Fact]
    public void Queue_names_sort_paid_before_free_as_hangfire_postgresql_fetches_them()
    {
        var models = new ModelsOptions { Served = [new() { Id = "a", Class = "small" }, new() { Id = "b", Class = "large" }] };
        var queues = JobQueues.All(models);
        Assert.Equal(queues.Order(StringComparer.Ordinal), queues);   // fetch order == priority order
        Assert.True(Array.IndexOf(queues, JobQueues.For(1, "small")) < Array.IndexOf(queues, JobQueues.For(2, "small")));
        Assert.Equal(["p1_large", "p2_large"], JobQueues.All(models, ["large"]).Take(2));
        Assert.Equal("p9_small", JobQueues.For(42, "small"));
        // Black-box jobs load no model: a worker takes their class beside its own when told to (ServeBlackBox, on by default).
        Assert.DoesNotContain(JobQueues.For(1, JobQueues.BlackBoxClass), queues);
        var withBlackBox = JobQueues.All(models, ["large"], blackBox: true);
        Assert.Equal(["p1_blackbox", "p1_large", "p2_blackbox", "p2_large"], withBlackBox.Take(4));
        Assert.Equal(withBlackBox.Order(StringComparer.Ordinal), withBlackBox);
    }

    [Fact]
    public void Database_outages_map_to_503_with_retry_after_not_500()
    {
        Assert.Equal(503, ExceptionMapping.Map(new NpgsqlException("connection refused")).StatusCode);
        Assert.Equal(503, ExceptionMapping.Map(new InvalidOperationException("x", new NpgsqlException("down"))).StatusCode);
        Assert.Equal(503, ExceptionMapping.Map(new TimeoutException()).StatusCode);
        Assert.Equal(400, ExceptionMapping.Map(new ArgumentException("bad")).StatusCode);
        Assert.Equal(500, ExceptionMapping.Map(new NullReferenceException()).StatusCode);
    }

    [Fact]
    public async Task Retention_deletes_only_old_finished_jobs_and_old_idempotency_keys()
    {
        var tenant = await api.NewTenantAsync();
        var done = await JobClient.SubmitGenerationAsync(tenant.Http, new { prompt = "Old", max_tokens = 1 }, "old-key");
        var id = done["id"]!.GetValue<string>();
        await JobClient.WaitFinalAsync(tenant.Http, id);
        var jobId = Guid.ParseExact(id["job_".Length..], "N");

        // Nothing is old yet.
        Assert.Equal(0, await api.DbAsync(db => RetentionSweeper.SweepAsync(db, 30, DateTime.UtcNow, CancellationToken.None)));
        Assert.Equal(HttpStatusCode.OK, (await tenant.Http.GetAsync($"/v1/jobs/{id}")).StatusCode);

        // Forty days on, the finished job and the day-old key go; 0 days keeps jobs forever.
        var later = DateTime.UtcNow.AddDays(40);
        Assert.Equal(0, await api.DbAsync(db => RetentionSweeper.SweepAsync(db, 0, later, CancellationToken.None)));
        Assert.Equal(HttpStatusCode.OK, (await tenant.Http.GetAsync($"/v1/jobs/{id}")).StatusCode);
        int deleted = await api.DbAsync(db => RetentionSweeper.SweepAsync(db, 30, later, CancellationToken.None));
        Assert.True(deleted >= 1);
        Assert.Equal(HttpStatusCode.NotFound, (await tenant.Http.GetAsync($"/v1/jobs/{id}")).StatusCode);
        Assert.False(api.Db(db => db.Jobs.Any(j => j.Id == jobId)));
        Assert.False(api.Db(db => db.IdempotencyRecords.Any(r => r.Key == "old-key")));
        var usage = (await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/usage"))!;
        Assert.True(usage["used_model_tokens"]!.GetValue<long>() > 0);   // the ledger keeps what was used
    }
}
