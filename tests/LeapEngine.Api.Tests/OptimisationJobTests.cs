using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Core.Runtime;

namespace LeapEngine.Api.Tests;

/// <summary>POST /v1/optimisations end to end: verified prompts, metering, validation.</summary>
[Collection(ApiCollection.Name)]
public sealed class OptimisationJobTests(ApiFixture api)
{
    [Fact]
    public async Task Optimisation_finds_a_prompt_whose_generation_says_the_target()
    {
        var tenant = await api.NewTenantAsync("pro");
        var submitted = await JobClient.SubmitAsync(tenant.Http, "/v1/optimisations",
            new { model = "stories260K", target = " ball", search = new { type = "gcg", search_width = 16 }, length = 3, steps = 20, candidates = 4, seed = 1 });
        Assert.Equal("prompt_optimisation", submitted["type"]!.GetValue<string>());
        long reserved = submitted["usage"]!["reserved_model_tokens"]!.GetValue<long>();
        var job = await JobClient.WaitFinalAsync(tenant.Http, submitted["id"]!.GetValue<string>(), TimeSpan.FromMinutes(2));
        Assert.Equal("succeeded", job["status"]!.GetValue<string>());
        Assert.Equal("steps", job["progress"]!["unit"]!.GetValue<string>());

        var successes = job["result"]!["successes"]!.AsArray();
        Assert.NotEmpty(successes);
        var first = successes[0]!;
        var promptIds = first["full_prompt_ids"]!.AsArray().Select(x => x!.GetValue<int>()).ToArray();
        Assert.Contains(" ball", " " + first["generation"]!.GetValue<string>());
        // Checked independently: greedy generation from the reported ids says the target.
        var generated = EngineModel.Use(m => m.Decode(TextGenerator.Generate(m.Network, promptIds,
            new GenerationOptions { MaxNewTokens = 6 }, m.EosId)));
        Assert.Contains("ball", generated);

        long used = job["usage"]!["model_tokens"]!.GetValue<long>();
        Assert.InRange(used, 1, reserved);
        var usage = (await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/usage"))!;
        Assert.Equal(used, usage["used_model_tokens"]!.GetValue<long>());
    }

    /// <summary>Also the deprecated flat search fields (method, hybrid_variant, search_width) end to end: still read in v1.</summary>
    [Fact]
    public async Task A_work_budget_caps_the_reservation_and_progress_counts_work()
    {
        var tenant = await api.NewTenantAsync("pro");
        var submitted = await JobClient.SubmitAsync(tenant.Http, "/v1/optimisations",
            new { model = "stories260K", target = " zebra", method = "hybrid", hybrid_variant = "anchored", length = 3, steps = 500, candidates = 4,
                  search_width = 16, max_work = 20_000, seed = 1 });
        long reserved = submitted["usage"]!["reserved_model_tokens"]!.GetValue<long>();
        Assert.InRange(reserved, 1, 21_000);   // the budget plus the final re-check, not 500 steps' worth
        var job = await JobClient.WaitFinalAsync(tenant.Http, submitted["id"]!.GetValue<string>(), TimeSpan.FromMinutes(2));
        Assert.Equal("succeeded", job["status"]!.GetValue<string>());
        Assert.Equal("forward-token equivalents", job["progress"]!["unit"]!.GetValue<string>());
        Assert.Equal(20_000, job["progress"]!["total"]!.GetValue<long>());
        var result = job["result"]!;
        Assert.InRange(result["work"]!.GetValue<long>(), 1, 20_000);
        Assert.True(result["successes"]!.AsArray().Count > 0 || result["stopped_by_budget"]!.GetValue<bool>());
        Assert.InRange(job["usage"]!["model_tokens"]!.GetValue<long>(), 1, reserved);
    }

    public static TheoryData<string, string> BadRequests => new()
    {
        { """{"target": ""}""", "target" },
        { """{"target": " ball", "method": "annealing"}""", "method" },
        { """{"target": " ball", "length": 0}""", "length" },
        { """{"target": " ball", "steps": 100000}""", "steps" },
        { """{"target": " ball", "candidates": 0}""", "candidates" },
        { """{"target": " ball", "vocabulary": "emoji"}""", "vocabulary" },
        { """{"target": " ball", "initialisation": "zeros"}""", "initialisation" },
        { """{"target": " ball", "stop_after_successes": 99}""", "stop_after_successes" },
        { """{"target": " ball", "length": "four"}""", "$.length" },
        { """{"target": " ball", "max_work": 0}""", "max_work" },
        { """{"target": " ball", "max_seconds": -1}""", "max_seconds" },
        { """{"target": " ball", "hybrid_variant": "zigzag"}""", "hybrid_variant" },
        { """{"target": " ball", "hybrid_descent_steps": 0}""", "hybrid_descent_steps" },
        { """{"target": " ball", "hybrid_nearest_tokens": 65}""", "hybrid_nearest_tokens" },
        { """{"target": " ball", "hybrid_descent_fraction": 1}""", "hybrid_descent_fraction" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_optimisation_requests_get_400_naming_the_field(string body, string field)
    {
        var tenant = await api.NewTenantAsync();
        var response = await tenant.Http.PostAsync("/v1/optimisations", ApiFixture.RawJson(body));
        await JobClient.AssertInvalidFieldAsync(response, field, body);
        Assert.Empty((await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/jobs"))!["data"]!.AsArray());
    }
}
