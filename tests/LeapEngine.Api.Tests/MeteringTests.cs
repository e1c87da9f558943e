using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Core.Partitioning.Corpora;
using LeapEngine.Data;
using JobRecord = LeapEngine.Data.Entities.JobRecord;
using JobStatus = LeapEngine.Data.Entities.JobStatus;
using LeapEngine.Data.Plans;
using Microsoft.EntityFrameworkCore;
using Xunit.Abstractions;

namespace LeapEngine.Api.Tests;

/// <summary>
/// Metering you can bill: every job type's reservation is an upper bound of what it is charged
/// on realistic requests, settlement charges the work done and never more than the reservation
/// (cancelled jobs pay for their work: GenerationJobTests), and a free plan can run the
/// documented 500-step optimisation under its default work budget.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class MeteringTests(ApiFixture api, ITestOutputHelper output)
{
    private const string Dict = "{dict}", Other = "{other}";

    /// <summary>Realistic requests of every job type; dictionary routes name the tenant's dictionaries by placeholder.</summary>
    public static TheoryData<string, string, string> Requests => new()
    {
        { "generation", "/v1/generations", """{"prompt": "Once upon a time", "max_tokens": 24, "stop_at_eos": false}""" },
        { "attribution itp word", "/v1/attributions",
            """{"system": "You tell short stories.", "text": "Once upon a time there was a little girl", "unit": "word", "max_new_tokens": 8}""" },
        { "attribution hipe token + faithfulness", "/v1/attributions",
            """{"text": "Tom saw a big dog and a small cat in the park", "unit": "token", "method": "hipe", "max_new_tokens": 6, "faithfulness": true}""" },
        { "attribution nearest, naive", "/v1/attributions",
            """{"text": "Lily liked to play with her red ball", "perturbation": "nearest:3", "max_new_tokens": 4, "evaluation": {"mode": "naive"}}""" },
        { "system_prompt_influence", "/v1/checks/system-prompt-influence",
            """{"max_new_tokens": 6, "cases": [{"system": "You are a kind storyteller.", "user": "Once upon a time", "log_prob_drop": {"max": 50}}, {"system": "Be brief.", "user": "Tom had a dog", "attribution_share": {"max": 1}}]}""" },
        { "dictionary_build (padded batches)", "/v1/dictionaries", BuildBody(batchSize: 8, maxTokens: 200_000) },
        { "dictionary_build (max_tokens stops it)", "/v1/dictionaries", BuildBody(batchSize: 4, maxTokens: 100) },
        { "dictionary_assign", $"/v1/dictionaries/{Dict}/assign", """{"texts": ["Tom saw a big red ball.", "The cat sat on the mat and slept all day long."]}""" },
        { "dictionary_assign + readouts", $"/v1/dictionaries/{Dict}/assign",
            """{"texts": ["Tom saw a big red ball.", "The cat sat on the mat and slept all day long.", "Hi"], "readout": "cosine"}""" },
        { "dictionary_score + ood", $"/v1/dictionaries/{Dict}/score", ScoreBody() },
        { "dictionary_steer", $"/v1/dictionaries/{Dict}/steer", """{"prompt": "Once upon a time", "region": 1, "alpha": 4, "target": " there was", "max_new_tokens": 12}""" },
        { "dictionary_ablate", $"/v1/dictionaries/{Dict}/ablate", """{"prompt": "Lily went to the park", "regions": [0, 1], "target": " to play", "max_new_tokens": 12}""" },
        { "dictionary_match", $"/v1/dictionaries/{Dict}/match", $$"""{"other_dictionary_id": "{{Other}}"}""" },
        { "prompt_optimisation gcg", "/v1/optimisations", """{"target": " ball", "method": "gcg", "length": 3, "steps": 12, "candidates": 4, "search_width": 16, "seed": 1}""" },
        { "prompt_optimisation descent", "/v1/optimisations", """{"target": " zebra", "method": "descent", "length": 4, "steps": 30, "candidates": 8, "seed": 2}""" },
        { "prompt_optimisation anchored (budget)", "/v1/optimisations",
            """{"target": " zebra", "method": "hybrid", "length": 3, "steps": 500, "candidates": 4, "search_width": 16, "max_work": 30000, "seed": 1}""" },
        { "prompt_optimisation reseed", "/v1/optimisations",
            """{"target": " zebra", "method": "hybrid", "hybrid_variant": "reseed", "length": 3, "steps": 20, "candidates": 4, "search_width": 8, "seed": 3}""" },
        { "prompt_optimisation sequential", "/v1/optimisations",
            """{"target": " quantum", "method": "hybrid", "hybrid_variant": "sequential", "prefix": "Once", "suffix": " said", "length": 2, "steps": 20, "candidates": 4, "search_width": 8, "seed": 4}""" },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task Usage_never_passes_the_reservation_of_any_job_type(string name, string path, string body)
    {
        var tenant = await api.NewTenantAsync("pro");
        if (path.Contains(Dict) || body.Contains(Other))
        {
            path = path.Replace(Dict, (await DictionaryJobTests.BuildAsync(tenant)).Id);
            body = body.Replace(Other, (await DictionaryJobTests.BuildAsync(tenant, "second", "blocks.1.hook_resid_post")).Id);
        }
        long usedBefore = await UsedAsync(tenant);
        var response = await tenant.Http.PostAsync(path, ApiFixture.RawJson(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{name}: {(int)response.StatusCode} {text}");
        var job = await JobClient.WaitFinalAsync(tenant.Http, JsonNode.Parse(text)!["id"]!.GetValue<string>(), TimeSpan.FromMinutes(3));
        Assert.True(job["status"]!.GetValue<string>() == "succeeded", $"{name}: {job.ToJsonString()}");

        long reserved = job["usage"]!["reserved_model_tokens"]!.GetValue<long>();
        long used = job["usage"]!["model_tokens"]!.GetValue<long>();
        output.WriteLine($"{name}: used {used} of {reserved} reserved ({(reserved == 0 ? 0 : (double)used / reserved):P0})");
        Assert.InRange(used, name == "dictionary_match" ? 0 : 1, reserved);
        Assert.Equal(used, await UsedAsync(tenant) - usedBefore);   // the ledger charged what the job row says
    }

    [Fact]
    public async Task Settlement_charges_a_failure_before_compute_nothing_and_never_more_than_the_reservation()
    {
        var tenant = await api.NewTenantAsync();
        var tenantId = Guid.ParseExact(tenant.Id["ten_".Length..], "N");
        var plan = new PlanLimits { ConcurrentJobs = 50, ComputeTokensPerMonth = 10_000 };
        var now = DateTime.UtcNow;

        async Task<(JobRecord Job, JsonObject Usage)> RunAndFinishAsync(JobStore.Outcome outcome)
        {
            var job = await api.DbAsync(async db =>
            {
                await QuotaLedger.EnsureMonthAsync(db, tenantId, now, default);
                Assert.Null(await QuotaLedger.ReserveAsync(db, tenantId, plan, 500, now, default));
                var row = new JobRecord
                {
                    Id = Guid.NewGuid(), TenantId = tenantId, Type = "generation", Model = "stories260K", Queue = "p1_small", RequestJson = "{}",
                    CreatedAt = now, UpdatedAt = now, ReservedTokens = 500, ReservedMonth = QuotaLedger.MonthOf(now),
                };
                db.Jobs.Add(row);
                await db.SaveChangesAsync();
                var started = await JobStore.StartAttemptAsync(db, row.Id, null, now, default);
                Assert.True(await JobStore.FinishAsync(db, started!, started!.Attempt, outcome, now, default));
                // Exactly once: a second finish of the same attempt changes nothing.
                Assert.False(await JobStore.FinishAsync(db, started, started.Attempt, outcome, now, default));
                return await db.Jobs.AsNoTracking().SingleAsync(j => j.Id == row.Id);
            });
            return (job, (await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/usage"))!);
        }

        var (failedEarly, usage) = await RunAndFinishAsync(new JobStore.Outcome(JobStatus.Failed, 0, ErrorCode: "invalid_request"));
        Assert.Equal(0, failedEarly.UsedTokens);
        Assert.Equal(0, usage["used_model_tokens"]!.GetValue<long>());
        Assert.Equal(0, usage["reserved_model_tokens"]!.GetValue<long>());

        var (failedLate, _) = await RunAndFinishAsync(new JobStore.Outcome(JobStatus.Failed, 120, ErrorCode: "internal_error"));
        Assert.Equal(120, failedLate.UsedTokens);

        // Whatever a method reports, the charge stops at the reservation admitted against the plan.
        var (overrun, final) = await RunAndFinishAsync(new JobStore.Outcome(JobStatus.Succeeded, 9_999, ResultJson: "{}"));
        Assert.Equal(500, overrun.UsedTokens);
        Assert.Equal(620, final["used_model_tokens"]!.GetValue<long>());
        Assert.Equal(0, final["reserved_model_tokens"]!.GetValue<long>());
        Assert.Equal(0, final["active_jobs"]!.GetValue<int>());
    }

    [Trait("Category", "Slow")]
    [Fact]
    public async Task A_free_plan_runs_the_documented_500_step_optimisation_under_the_default_work_budget()
    {
        var tenant = await api.NewTenantAsync("free");
        var submitted = await JobClient.SubmitAsync(tenant.Http, "/v1/optimisations",
            new { model = "stories260K", target = " zebra xylophone", method = "hybrid", length = 4, steps = 500, seed = 0 });
        long reserved = submitted["usage"]!["reserved_model_tokens"]!.GetValue<long>();
        Assert.InRange(reserved, 300_000, 310_000);   // the default budget plus describing and re-checking one prompt
        var job = await JobClient.WaitFinalAsync(tenant.Http, submitted["id"]!.GetValue<string>(), TimeSpan.FromMinutes(5));
        Assert.Equal("succeeded", job["status"]!.GetValue<string>());
        var result = job["result"]!;
        output.WriteLine($"500-step default budget: used {job["usage"]!["model_tokens"]} of {reserved}; {result["summary"]}");
        Assert.InRange(job["usage"]!["model_tokens"]!.GetValue<long>(), 1, reserved);
        Assert.Equal("forward-token equivalents", job["progress"]!["unit"]!.GetValue<string>());
        if (result["successes"]!.AsArray().Count == 0)
        {
            // An unreachable target: the result says plainly that nothing was found, and why the search stopped.
            Assert.Equal("work_budget", result["stop_reason"]!.GetValue<string>());
            Assert.StartsWith("no verified prompt found: the search stopped at its work budget of 300000", result["summary"]!.GetValue<string>());
            Assert.True(result["stopped_by_budget"]!.GetValue<bool>());
        }
    }

    private static async Task<long> UsedAsync(Tenant tenant) =>
        (await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/usage"))!["used_model_tokens"]!.GetValue<long>();

    /// <summary>Texts of very different lengths, so batches carry padding.</summary>
    private static string BuildBody(int batchSize, int maxTokens) => System.Text.Json.JsonSerializer.Serialize(new
    {
        name = "metered",
        texts = StoryCorpus.Generate(40, seed: 7).Select((t, i) => i % 3 == 0 ? t : string.Join(' ', t.Split(' ').Take(3 + i % 5))).ToArray(),
        context_length = 64, batch_size = batchSize, calibration_batches = 2, max_tokens = maxTokens, percentile = 20.0, saturation_batches = 0,
    });

    private static string ScoreBody() => System.Text.Json.JsonSerializer.Serialize(new
    {
        texts = StoryCorpus.Generate(40, seed: 3).Select((t, i) => i % 2 == 0 ? t : string.Join(' ', t.Split(' ').Take(2 + i % 4))).ToArray(),
        out_of_set_texts = new[] { "The quarterly earnings beat analyst expectations by a wide margin.", "SELECT * FROM users;", "x" },
    });
}
