using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace LeapEngine.Api.Tests.Lifecycle;

/// <summary>
/// A client whose submission was cut off (the API process killed, the connection dropped)
/// retries with the same Idempotency-Key, and that correct retry always succeeds: it gets the
/// job the first request created, or creates it if the first died before committing — never a
/// second job, never a key stuck "being handled". Each test leaves the database exactly as a
/// request killed at that point leaves it.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class CutOffSubmissionTests(ApiFixture api)
{
    private static readonly object Body = new { prompt = "Once upon a time", max_tokens = 2 };

    [Fact]
    public async Task Killed_after_its_job_committed_the_retry_gets_that_job()
    {
        var drill = await api.FaultDrillApiAsync();
        var tenant = await drill.NewTenantAsync();
        var first = await JobClient.SubmitGenerationAsync(tenant.Http, Body, "cut-after-commit");
        // The process died before storing its answer: the claim is still "being handled".
        await drill.DbAsync(db => db.IdempotencyRecords.Where(r => r.Key == "cut-after-commit")
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.StatusCode, (int?)null).SetProperty(r => r.ResponseBody, (string?)null)));

        var retry = await JobClient.PostGenerationAsync(tenant.Http, Body, "cut-after-commit");
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        Assert.Equal(first["id"]!.GetValue<string>(), (await retry.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>());
        Assert.Single((await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/jobs"))!["data"]!.AsArray());
    }

    [Fact]
    public async Task Killed_before_its_job_committed_the_retry_creates_it_once_the_claim_is_stale()
    {
        var drill = await api.FaultDrillApiAsync();
        var tenant = await drill.NewTenantAsync();
        var tenantId = FaultDrillApi.TenantId(tenant);
        await ClaimAsync(drill, tenantId, "cut-before-commit", HashOf("/v1/generations", Body), DateTime.UtcNow);

        // While the claim may still belong to a live request: 409 with Retry-After, nothing created.
        var early = await JobClient.PostGenerationAsync(tenant.Http, Body, "cut-before-commit");
        await JobClient.AssertProblemAsync(early, HttpStatusCode.Conflict, "conflict");
        Assert.True(early.Headers.RetryAfter is not null);

        // Past Leap:Jobs:IdempotencyTakeoverSeconds (2 s here) the claim is a dead request's: the retry takes it over.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var retry = await JobClient.PostGenerationAsync(tenant.Http, Body, "cut-before-commit");
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        var again = await JobClient.PostGenerationAsync(tenant.Http, Body, "cut-before-commit");
        Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Single((await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/jobs"))!["data"]!.AsArray());
    }

    [Fact]
    public async Task A_key_whose_claim_is_gone_still_names_only_its_own_request()
    {
        var drill = await api.FaultDrillApiAsync();
        var tenant = await drill.NewTenantAsync();
        var first = await JobClient.SubmitGenerationAsync(tenant.Http, Body, "claim-gone");
        // The claim was freed (the reconciler, after the request died); the job still carries the key.
        await drill.DbAsync(db => db.IdempotencyRecords.Where(r => r.Key == "claim-gone").ExecuteDeleteAsync());

        var other = await JobClient.PostGenerationAsync(tenant.Http, new { prompt = "Another story", max_tokens = 2 }, "claim-gone");
        await JobClient.AssertProblemAsync(other, HttpStatusCode.UnprocessableEntity, "idempotency-key-reused");
        var same = await JobClient.PostGenerationAsync(tenant.Http, Body, "claim-gone");
        Assert.Equal(HttpStatusCode.Accepted, same.StatusCode);
        Assert.Equal(first["id"]!.GetValue<string>(), (await same.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>());
        Assert.Single((await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/jobs"))!["data"]!.AsArray());
    }

    [Fact]
    public async Task The_reconciler_frees_a_claim_nobody_retried()
    {
        var drill = await api.FaultDrillApiAsync();
        var tenant = await drill.NewTenantAsync();
        var tenantId = FaultDrillApi.TenantId(tenant);
        await ClaimAsync(drill, tenantId, "abandoned", "00", DateTime.UtcNow.AddMinutes(-1));
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await drill.DbAsync(db => db.IdempotencyRecords.AnyAsync(r => r.TenantId == tenantId && r.Key == "abandoned")))
        {
            Assert.True(DateTime.UtcNow < deadline, "the stuck claim was never freed");
            await Task.Delay(200);
        }
    }

    /// <summary>A claim on <paramref name="key"/> with no answer: what a request killed before it could answer leaves.</summary>
    private static Task<int> ClaimAsync(FaultDrillApi drill, Guid tenantId, string key, string hash, DateTime createdAt) =>
        drill.DbAsync(db =>
        {
            db.IdempotencyRecords.Add(new IdempotencyRecord { TenantId = tenantId, Key = key, RequestHash = hash, CreatedAt = createdAt });
            return db.SaveChangesAsync();
        });

    /// <summary>The request hash the API stores with a claim (method, path, body).</summary>
    private static string HashOf(string path, object body)
    {
        var bytes = Encoding.UTF8.GetBytes($"POST {path}\n").Concat(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(body))).ToArray();
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }
}
