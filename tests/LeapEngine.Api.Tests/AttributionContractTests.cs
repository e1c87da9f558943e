using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Core.Attribution;
using LeapEngine.Jobs;
using LeapEngine.Jobs.Attribution;

namespace LeapEngine.Api.Tests;

/// <summary>
/// POST /v1/attributions owns its contract: what a caller sends maps field by field onto the engine's request, omitted
/// options are the engine's defaults, and the operator's evaluation settings are not part of it.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class AttributionContractTests(ApiFixture api)
{
    private static AttributionRequest Mapped(string json) =>
        JsonSerializer.Deserialize<AttributionJobRequest>(json, LeapJson.Options)!.ToEngine();

    [Fact]
    public void Every_nested_option_a_caller_sets_reaches_the_engine()
    {
        var engine = Mapped("""
            {"segments": [{"name": "system", "text": "Be kind."}, {"name": "user", "text": "Hi there"}],
             "unit": "spans", "spans": [{"segment": "user", "start": 0, "length": 2}], "method": "hipe",
             "hipe": {"initial_chunk_size": 5, "threshold": "static", "static_threshold": 0.5, "relative_threshold": 0.4,
                      "max_splits_per_stage": 2, "max_depth": 7, "min_saliency": 0.01, "aggregation": "sum", "saliency": "absolute"},
             "faithfulness": true, "faithfulness_options": {"steps": 4, "eraser_fractions": [0.2, 0.5]},
             "evaluation": {"mode": "naive", "max_batch_size": 3, "max_batch_tokens": 99}}
            """);
        Assert.Equal([new("system", "Be kind."), new("user", "Hi there")], engine.Segments!);
        Assert.Equal([new UnitSpan("user", 0, 2)], engine.Spans!);
        Assert.Equal(new HipeOptions
        {
            InitialChunkSize = 5, Threshold = HipeThreshold.Static, StaticThreshold = 0.5, RelativeThreshold = 0.4, MaxSplitsPerStage = 2,
            MaxDepth = 7, MinSaliency = 0.01, Aggregation = HipeAggregation.Sum, Saliency = HipeSaliency.Absolute,
        }, engine.Hipe);
        Assert.Equal(4, engine.FaithfulnessOptions.Steps);
        Assert.Equal([0.2, 0.5], engine.FaithfulnessOptions.EraserFractions);
        Assert.Equal(new EvaluationOptions { Mode = EvaluationMode.Naive, MaxBatchSize = 3, MaxBatchTokens = 99 }, engine.Evaluation);
    }

    [Fact]
    public void The_pizza_mode_reaches_the_engine_and_a_default_mode_knob_beside_it_is_rejected()
    {
        var pizza = Mapped("""{"text": "Hi", "method": "hipe", "hipe": {"mode": "pizza", "initial_chunk_size": 4, "max_depth": 9}}""");
        Assert.Equal(new HipeOptions { Mode = HipeMode.Pizza, InitialChunkSize = 4, MaxDepth = 9 }, pizza.Hipe);
        pizza.Hipe.Validate();
        var mixed = Mapped("""{"text": "Hi", "method": "hipe", "hipe": {"mode": "pizza", "threshold": "static"}}""");
        Assert.Contains("reads only the initial chunk size and max depth", Assert.Throws<ArgumentException>(mixed.Hipe.Validate).Message);
    }

    [Fact]
    public void Omitted_options_and_omitted_fields_inside_them_are_the_engines_defaults()
    {
        var omitted = Mapped("""{"text": "Hi"}""");
        var empty = Mapped("""{"text": "Hi", "hipe": {}, "faithfulness_options": {}, "evaluation": {}}""");
        var defaults = new AttributionRequest();
        foreach (var engine in new[] { omitted, empty })
        {
            Assert.Equal(defaults.Hipe, engine.Hipe);
            Assert.Equal(defaults.Evaluation, engine.Evaluation);
            Assert.Equal(defaults.FaithfulnessOptions.Steps, engine.FaithfulnessOptions.Steps);
            Assert.Equal(defaults.FaithfulnessOptions.EraserFractions, engine.FaithfulnessOptions.EraserFractions);
        }
    }

    [Theory]
    [InlineData("workers")]
    [InlineData("layout")]
    public async Task The_operators_evaluation_settings_are_refused_as_unknown_fields(string field)
    {
        var tenant = await api.NewTenantAsync();
        var response = await tenant.Http.PostAsync("/v1/attributions",
            ApiFixture.RawJson($$$"""{"text": "Once upon a time", "evaluation": {"{{{field}}}": 1}}"""));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Contains(field, problem.ToJsonString());
        Assert.Contains("unknown field", problem.ToJsonString());
    }
}
