using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Core.Tests;
using LeapEngine.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeapEngine.Api.Tests;

/// <summary>
/// Production shape: the API without an in-process worker, and LeapEngine.Worker processes on
/// the same PostgreSQL. A worker SIGKILLed mid-job leaves the job to another worker after the
/// invisibility timeout; the job completes once, with one result and one settlement.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class WorkerKillTests(ApiFixture api)
{
    private const int InvisibilitySeconds = 3;

    [Trait("Category", "Slow")]
    [Fact]
    public async Task A_worker_killed_mid_job_leaves_it_to_another_that_completes_it_once()
    {
        // A database of its own, so the shared fixture's in-process worker cannot take the job.
        var (factory, connection) = await api.ProductionApiAsync();
        var tenant = await api.NewProductionTenantAsync();

        var submitted = await JobClient.SubmitGenerationAsync(tenant.Http, new { prompt = "Once upon a time", max_tokens = 120, stop_at_eos = false });
        var id = submitted["id"]!.GetValue<string>();

        using var first = StartWorker(connection);
        JsonObject running;
        try
        {
            running = await JobClient.PollAsync(tenant.Http, id, j => j["progress"]!["done"]!.GetValue<long>() >= 3, TimeSpan.FromSeconds(60));
        }
        catch
        {
            Console.Error.WriteLine(first.Output());
            throw;
        }
        first.Kill();   // SIGKILL: no shutdown, no cleanup, the job row says running
        Assert.Equal("running", running["status"]!.GetValue<string>());
        Assert.True(running["progress"]!["done"]!.GetValue<long>() < 120, "the job finished before the kill; slow it down");

        var killedAt = DateTime.UtcNow;
        using var second = StartWorker(connection);
        JsonObject done;
        try
        {
            done = await JobClient.WaitFinalAsync(tenant.Http, id, TimeSpan.FromSeconds(90));
        }
        catch
        {
            Console.Error.WriteLine(second.Output());
            throw;
        }
        Assert.Equal("succeeded", done["status"]!.GetValue<string>());
        Assert.True(DateTime.UtcNow - killedAt < TimeSpan.FromSeconds(60), $"recovery took longer than the invisibility timeout allows:\n{second.Output()}");
        var expected = GenerationJobTests.ExpectedTokens("Once upon a time", 120, stopAtEos: false);
        Assert.Equal(expected, done["result"]!["tokens"]!.AsArray().Select(t => t!.GetValue<int>()).ToArray());

        // Exactly once: a second attempt ran it, one result, and the quota was settled once.
        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<LeapEngine.Data.LeapDbContext>();
        var tenantId = Guid.ParseExact(tenant.Id["ten_".Length..], "N");
        var jobs = await db.Jobs.AsNoTracking().Where(j => j.TenantId == tenantId).ToListAsync();
        var row = Assert.Single(jobs);
        Assert.Equal(JobStatus.Succeeded, row.Status);
        Assert.Equal(2, row.Attempt);
        var ledger = await db.UsageMonths.AsNoTracking().SingleAsync(u => u.TenantId == tenantId);
        long promptTokens = done["result"]!["prompt_tokens"]!.GetValue<long>();
        Assert.Equal(promptTokens + 120, ledger.UsedTokens);
        Assert.Equal(0, ledger.ReservedTokens);
        Assert.Equal(1, ledger.JobsSucceeded);
        Assert.Equal(0, ledger.JobsFailed);
        Assert.Equal(0, (await db.Tenants.AsNoTracking().SingleAsync(t => t.Id == tenantId)).ActiveJobs);

        var usage = (await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/usage"))!;
        Assert.Equal(promptTokens + 120, usage["used_model_tokens"]!.GetValue<long>());
        CampaignLog.Record("fault: worker SIGKILLed mid-job", 1, 0);
    }

    internal static ChildProcess StartWorker(string connection, int stepDelayMs = 60, int workers = 2) => ChildProcess.Start("LeapEngine.Worker", new Dictionary<string, string>
    {
        ["Leap__Database__Provider"] = "postgres",
        ["Leap__Database__ConnectionString"] = connection,
        ["Leap__Models__ModelsDir"] = SharedFiles.ModelsDir,
        ["Leap__Models__Served__0__Id"] = "stories260K",
        ["Leap__Models__Served__0__Class"] = "small",
        ["Leap__Jobs__InvisibilityTimeoutSeconds"] = InvisibilitySeconds.ToString(),
        ["Leap__Jobs__QueuePollIntervalSeconds"] = "0.2",
        ["Leap__Jobs__ProgressIntervalMs"] = "100",
        // 120 tokens at 60 ms each: long enough to be killed mid-way, short enough for the second run.
        ["Leap__Jobs__StepDelayMs"] = stepDelayMs.ToString(),
        ["Leap__Jobs__WorkerCount"] = workers.ToString(),
    });
}
