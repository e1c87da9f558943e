using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Core.Attribution;
using LeapEngine.Core.Partitioning.Corpora;

namespace LeapEngine.Api.Tests;

/// <summary>POST /v1/attributions end to end: result equal to the engine run directly, metering, cancellation, validation.</summary>
[Collection(ApiCollection.Name)]
public sealed class AttributionJobTests(ApiFixture api)
{
    private const string System = "You tell short stories.";
    private const string Text = "Once upon a time there was a little girl";

    [Fact]
    public async Task Attribution_runs_to_the_engines_heatmap_and_is_metered_in_forward_tokens()
    {
        var tenant = await api.NewTenantAsync();
        var submitted = await JobClient.SubmitAsync(tenant.Http, "/v1/attributions",
            new { model = "stories260K", text = Text, system = System, unit = "word", max_new_tokens = 6 });
        Assert.Equal("attribution", submitted["type"]!.GetValue<string>());
        long reserved = submitted["usage"]!["reserved_model_tokens"]!.GetValue<long>();
        var job = await JobClient.WaitFinalAsync(tenant.Http, submitted["id"]!.GetValue<string>());
        Assert.Equal("succeeded", job["status"]!.GetValue<string>());
        var result = job["result"]!;

        var expected = EngineModel.Use(m => AttributionEngine.Run(m, new AttributionRequest { Text = Text, System = System, Unit = "word", MaxNewTokens = 6 }));
        var units = result["units"]!.AsArray();
        Assert.Equal(expected.Units.Count, units.Count);
        for (int i = 0; i < units.Count; i++)
        {
            Assert.Equal(expected.Units[i].Text, units[i]!["text"]!.GetValue<string>());
            Assert.Equal(expected.Units[i].Start, units[i]!["start"]!.GetValue<int>());
            Assert.Equal(expected.Units[i].Score, units[i]!["score"]!.GetValue<double>(), 1e-3);
            Assert.Equal(expected.CompletionIds.Length, units[i]!["output_token_scores"]!.AsArray().Count);
        }
        Assert.Equal(expected.CompletionIds, result["completion_ids"]!.AsArray().Select(x => x!.GetValue<int>()));
        Assert.Equal(expected.SystemPrompt!.LogProbDrop, result["system_prompt"]!["log_prob_drop"]!.GetValue<double>(), 1e-3);
        Assert.Equal(["system", "user"], result["segments"]!.AsArray().Select(s => s!["segment"]!.GetValue<string>()));

        // Metered: every evaluation's forward tokens plus the greedy completion (prompt, then one position per new token).
        long used = job["usage"]!["model_tokens"]!.GetValue<long>();
        long forward = result["forward_tokens"]!.GetValue<long>();
        int prompt = result["prompt_tokens"]!.GetValue<int>();
        Assert.InRange(used, forward + prompt, reserved);
        Assert.Equal("forward passes", job["progress"]!["unit"]!.GetValue<string>());
        Assert.Equal(result["total_evaluations"]!.GetValue<long>(), job["progress"]!["done"]!.GetValue<long>());
        var usage = (await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/usage"))!;
        Assert.Equal(used, usage["used_model_tokens"]!.GetValue<long>());
    }

    [Fact]
    public async Task Hipe_settings_in_the_request_reach_the_engine()
    {
        // The issue's own rule, spelled in the API's snake_case: must give the engine's numbers for the same options.
        var tenant = await api.NewTenantAsync();
        var submitted = await JobClient.SubmitAsync(tenant.Http, "/v1/attributions", new
        {
            model = "stories260K", text = Text, method = "hipe", max_new_tokens = 4,
            hipe = new { threshold = "mid_range", saliency = "absolute", aggregation = "mean", max_splits_per_stage = (int?)null },
        });
        var job = await JobClient.WaitFinalAsync(tenant.Http, submitted["id"]!.GetValue<string>());
        Assert.Equal("succeeded", job["status"]!.GetValue<string>());
        var options = new HipeOptions { Threshold = HipeThreshold.MidRange, Saliency = HipeSaliency.Absolute, Aggregation = HipeAggregation.Mean, MaxSplitsPerStage = null };
        var expected = EngineModel.Use(m => AttributionEngine.Run(m, new AttributionRequest { Text = Text, Method = "hipe", MaxNewTokens = 4, Hipe = options }));
        Assert.Equal(expected.TotalEvaluations, job["result"]!["total_evaluations"]!.GetValue<long>());
        var units = job["result"]!["units"]!.AsArray();
        for (int i = 0; i < units.Count; i++)
            Assert.Equal(expected.Units[i].Score, units[i]!["score"]!.GetValue<double>(), 1e-3);
    }

    [Fact]
    public async Task Running_attribution_is_cancelled_within_seconds()
    {
        var tenant = await api.NewTenantAsync("pro");
        var text = string.Join(" ", StoryCorpus.Generate(40, seed: 3));
        text = EngineModel.Use(m => m.Decode(m.Encode(text, addBos: false).Ids.Take(300)));
        // One evaluation per token and per forward, 20 ms per progress step: about 6 s if left alone.
        var submitted = await JobClient.SubmitAsync(tenant.Http, "/v1/attributions", new
        {
            text, unit = "token", max_new_tokens = 2, evaluation = new { mode = "naive", max_batch_size = 1 },
        });
        var id = submitted["id"]!.GetValue<string>();
        await JobClient.PollAsync(tenant.Http, id, j => j["progress"]!["done"]!.GetValue<long>() >= 5, TimeSpan.FromSeconds(30));

        var started = DateTime.UtcNow;
        Assert.Equal(HttpStatusCode.OK, (await tenant.Http.PostAsync($"/v1/jobs/{id}/cancel", null)).StatusCode);
        var job = await JobClient.WaitFinalAsync(tenant.Http, id, TimeSpan.FromSeconds(10));
        Assert.Equal("cancelled", job["status"]!.GetValue<string>());
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5), "cancellation took too long");
        Assert.True(job["progress"]!["done"]!.GetValue<long>() < job["progress"]!["total"]!.GetValue<long>());
        Assert.Null(job["result"]);
        var usage = (await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/usage"))!;
        Assert.Equal(0, usage["reserved_model_tokens"]!.GetValue<long>());
        Assert.Equal(0, usage["active_jobs"]!.GetValue<int>());
    }

    public static TheoryData<string, string> BadRequests => new()
    {
        { """{"text": "x", "method": "lime"}""", "method" },
        { """{"text": "x", "unit": "sentence"}""", "unit" },
        { """{"text": "x", "unit": "chunk:0"}""", "unit" },
        { """{"text": "x", "perturbation": "blur"}""", "perturbation" },
        { """{"text": "x", "template": "alpaca"}""", "template" },
        { """{"text": "x", "max_new_tokens": 0}""", "max_new_tokens" },
        { """{"text": "x", "completion": ""}""", "completion" },
        { """{"text": ""}""", "text" },
        { """{}""", "text" },
        { """{"text": "x", "segments": [{"name": "user", "text": "y"}]}""", "segments" },
        { """{"text": "x", "evaluation": {"max_batch_size": 1000}}""", "evaluation.max_batch_size" },
        { """{"text": "x", "evaluation": {"mode": "fast"}}""", "$.evaluation.mode" },
        { """{"text": "x", "hipe": {"max_depth": 0}}""", "hipe" },
        { """{"text": "x", "hipe": {"relative_threshold": 0}}""", "hipe" },
        { """{"text": "x", "hipe": {"max_splits_per_stage": 0}}""", "hipe" },
        { """{"text": "x", "hipe": {"threshold": "relatively"}}""", "$.hipe.threshold" },
        { """{"text": "x", "hipe": {"mode": "pizza", "threshold": "mid_range"}}""", "hipe" },
        { """{"text": "x", "hipe": {"mode": "pizzas"}}""", "$.hipe.mode" },
        { """{"text": "x", "faithfulness_options": {"eraser_fractions": [2.0]}}""", "faithfulness_options" },
        { """{"text": "x", "spans": [{"segment": "user", "start": 0, "length": 99}], "unit": "spans"}""", "text" },
        { """{"text": "x", "mystery": 1}""", "$.mystery" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_attribution_requests_get_400_naming_the_field(string body, string field)
    {
        var tenant = await api.NewTenantAsync();
        var response = await tenant.Http.PostAsync("/v1/attributions", ApiFixture.RawJson(body));
        await JobClient.AssertInvalidFieldAsync(response, field, body);
        Assert.Empty((await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/jobs"))!["data"]!.AsArray());
    }

    [Fact]
    public async Task Prompts_over_the_plan_or_the_context_get_400()
    {
        var tenant = await api.NewTenantAsync();   // the test plan allows 64 prompt tokens
        var hundred = EngineModel.Use(m => m.Decode(m.Encode(string.Join(" ", StoryCorpus.Generate(40)), addBos: false).Ids.Take(100)));
        var overPlan = await tenant.Http.PostAsync("/v1/attributions", ApiFixture.Json(new { text = hundred }));
        await JobClient.AssertProblemAsync(overPlan, HttpStatusCode.BadRequest, "invalid-request");
        Assert.Equal("prompt", (await overPlan.Content.ReadFromJsonAsync<JsonObject>())!["field"]!.GetValue<string>());

        var pro = await api.NewTenantAsync("pro");
        var overContext = await pro.Http.PostAsync("/v1/attributions", ApiFixture.Json(new { text = string.Join(" ", StoryCorpus.Generate(80)) }));
        await JobClient.AssertProblemAsync(overContext, HttpStatusCode.BadRequest, "invalid-request");
        var problem = (await overContext.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("text", problem["field"]!.GetValue<string>());
        Assert.Contains("context", problem["detail"]!.GetValue<string>());
    }
}
