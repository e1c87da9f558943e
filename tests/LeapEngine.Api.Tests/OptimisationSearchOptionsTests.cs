using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Core.Optimisation;
using LeapEngine.Core.Optimisation.Options;
using LeapEngine.Core.Serialization;
using LeapEngine.Jobs;
using LeapEngine.Jobs.Handlers;
using LeapEngine.Jobs.Optimisation;
using LeapEngine.Jobs.Optimisation.Search;

namespace LeapEngine.Api.Tests;

/// <summary>
/// An optimisation's <c>search</c>: one options type per method, told apart by <c>type</c>; each variant reaches the
/// engine with its knobs; a knob of another method or variant is refused by name; the deprecated flat fields still work.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class OptimisationSearchOptionsTests(ApiFixture api)
{
    /// <summary>Wire search, then the engine's options it must become: the variant's own type, the knobs sent, defaults for the rest.</summary>
    public static TheoryData<string, SearchOptions> Variants => new()
    {
        { """{"type":"descent"}""", new DescentOptions() },
        { """{"type":"gcg","search_width":16}""", new GcgOptions { SearchWidth = 16 } },
        { """{"type":"hybrid","variant":"anchored","search_width":8,"descent_steps":2,"nearest_tokens":3}""",
            new AnchoredHybridOptions { Gcg = new GcgOptions { SearchWidth = 8 }, DescentSteps = 2, NearestTokens = 3 } },
        { """{"type":"hybrid","variant":"chain","descent_steps":3,"nearest_tokens":1}""", new ChainHybridOptions { DescentSteps = 3, NearestTokens = 1 } },
        { """{"type":"hybrid","variant":"reseed","descent_steps":4}""", new ReseedHybridOptions { DescentSteps = 4 } },
        { """{"type":"hybrid","variant":"sequential","descent_fraction":0.5,"best_readouts":true}""",
            new SequentialHybridOptions { DescentFraction = 0.5, BestReadouts = true } },
        { """{"variant":"chain","type":"hybrid"}""", new ChainHybridOptions() },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Each_variant_round_trips_and_reaches_the_engine_with_its_knobs(string search, SearchOptions expected)
    {
        var request = JsonSerializer.Deserialize<PromptOptimisationJobRequest>($$"""{"target":" ball","search":{{search}}}""", LeapJson.Options)!;
        JobRequestValidation.Check(request);
        // Written back (as the job stores it), the search is the one sent: type first, the same fields, nothing added.
        var written = JsonSerializer.SerializeToNode(request, LeapJson.Options)!["search"]!.AsObject();
        Assert.Equal(JsonNode.Parse(search)!["type"]!.GetValue<string>(), written.First().Value!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(Sorted(JsonNode.Parse(search)!.AsObject()), Sorted(written)), written.ToJsonString());

        var engine = request.ToEngine();
        Assert.Equal(expected, engine.Search);   // records: the same type and every knob equal, nested GCG and descent included
        engine.Search.Validate();
    }

    [Fact]
    public void No_search_and_no_flat_fields_is_the_anchored_hybrid_with_the_engines_defaults()
    {
        var engine = new PromptOptimisationJobRequest { Target = " ball" }.ToEngine();
        var defaults = new OptimisationRequest();
        Assert.IsType<AnchoredHybridOptions>(engine.Search);
        Assert.Equal(SnakeCase.Name(((HybridOptions)defaults.Search).Variant), new HybridSearchOptions().Variant);
        Assert.Equal(defaults with { Target = " ball" }, engine);
    }

    public static TheoryData<string, string, string[]> WrongKnobs => new()
    {
        // A knob of another method: refused before binding, naming the field and the types it belongs to.
        { """{"type":"descent","search_width":8}""", "$.search.search_width", ["search_width is an option of type gcg and hybrid, not descent"] },
        { """{"type":"gcg","nearest_tokens":2}""", "$.search.nearest_tokens", ["nearest_tokens is an option of type hybrid, not gcg"] },
        // A knob of another hybrid variant: refused by the declared knob table, naming the variants that read it.
        { """{"type":"hybrid","variant":"anchored","descent_fraction":0.5}""", "search.descent_fraction",
            ["search.descent_fraction applies to the sequential hybrid only, not anchored"] },
        { """{"type":"hybrid","variant":"reseed","nearest_tokens":2}""", "search.nearest_tokens",
            ["search.nearest_tokens applies to the chain and anchored hybrid only, not reseed"] },
        { """{"type":"hybrid","variant":"sequential","descent_steps":2}""", "search.descent_steps",
            ["search.descent_steps applies to the chain and anchored and reseed hybrid only, not sequential"] },
        { """{"type":"hybrid","variant":"zigzag"}""", "search.variant", ["unknown search.variant 'zigzag'; use one of: sequential, chain, anchored, reseed"] },
        { """{"type":"hybrid","search_width":257}""", "search.search_width", ["search.search_width must be 1 to 256, got 257"] },
        { """{"search_width":8}""", "$.search.type", ["give type as one of: descent, gcg, hybrid"] },
        { """{"type":"annealing"}""", "$.search.type", ["unknown type 'annealing'; use one of: descent, gcg, hybrid"] },
        { """{"type":"gcg","serch_width":8}""", "$.search.serch_width", ["unknown field"] },
    };

    [Theory]
    [MemberData(nameof(WrongKnobs))]
    public async Task A_knob_the_chosen_search_does_not_read_is_a_400_naming_it(string search, string field, string[] detail)
    {
        var tenant = await api.NewTenantAsync();
        var body = $$"""{"target":" ball","steps":5,"search":{{search}}}""";
        var response = await tenant.Http.PostAsync("/v1/optimisations", ApiFixture.RawJson(body));
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.True(field == problem!["field"]?.GetValue<string>(), problem.ToJsonString());
        foreach (var part in detail) Assert.Contains(part, problem["detail"]!.GetValue<string>());
        Assert.Equal(400, (int)response.StatusCode);
    }

    [Fact]
    public async Task The_deprecated_flat_fields_are_still_accepted_and_mapped_but_not_beside_search()
    {
        var legacy = JsonSerializer.Deserialize<PromptOptimisationJobRequest>(
            """{"target":" ball","method":"hybrid","hybrid_variant":"sequential","search_width":8,"hybrid_descent_fraction":0.5,"hybrid_nearest_tokens":2}""",
            LeapJson.Options)!;
        JobRequestValidation.Check(legacy);
        var search = Assert.IsType<HybridSearchOptions>(legacy.SearchOptions());
        // Their old meaning: a knob the variant does not read (nearest tokens, for sequential) is ignored, not refused.
        Assert.Equal(("sequential", 8, 0.5, (int?)null), (search.Variant, search.SearchWidth, search.DescentFraction, search.NearestTokens));
        Assert.Equal(new GcgOptions { SearchWidth = 8 },
            JsonSerializer.Deserialize<PromptOptimisationJobRequest>("""{"method":"gcg","search_width":8}""", LeapJson.Options)!.SearchOptions().ToEngine());
        Assert.Equal(new SequentialHybridOptions { Gcg = new GcgOptions { SearchWidth = 8 }, DescentFraction = 0.5 }, legacy.ToEngine().Search);

        var tenant = await api.NewTenantAsync();
        var both = await tenant.Http.PostAsync("/v1/optimisations",
            ApiFixture.RawJson("""{"target":" ball","method":"gcg","search_width":8,"search":{"type":"gcg"}}"""));
        var problem = await both.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal(("method", 400), (problem!["field"]?.GetValue<string>(), (int)both.StatusCode));
        Assert.Contains("method, search_width cannot be combined with search: move them into search", problem["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_openapi_document_gives_search_as_oneOf_with_a_type_discriminator_and_marks_the_flat_fields_deprecated()
    {
        var doc = (await api.Client(null).GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;
        var schemas = doc["components"]!["schemas"]!;
        var request = schemas[nameof(PromptOptimisationJobRequest)]!["properties"]!;
        var search = request["search"]!;
        var variants = search["oneOf"]!.AsArray().Select(s => s!["$ref"]?.GetValue<string>()).OfType<string>().Order().ToList();
        string[] expected = [nameof(DescentSearchOptions), nameof(GcgSearchOptions), nameof(HybridSearchOptions)];
        Assert.Equal(expected.Select(n => "#/components/schemas/" + n), variants);
        var discriminator = schemas[nameof(PromptSearchOptions)]!["discriminator"]!;
        Assert.Equal("type", discriminator["propertyName"]!.GetValue<string>());
        Assert.Equal(["descent", "gcg", "hybrid"], discriminator["mapping"]!.AsObject().Select(p => p.Key).Order());
        // Each variant lists its own type value, so its additionalProperties: false does not refuse the discriminator.
        Assert.Equal("gcg", schemas[nameof(GcgSearchOptions)]!["properties"]!["type"]!["enum"]![0]!.GetValue<string>());
        foreach (var flat in new[] { "method", "search_width", "hybrid_variant", "hybrid_descent_fraction" })
            Assert.True(request[flat]!["deprecated"]?.GetValue<bool>() == true, flat);
    }

    private static JsonObject Sorted(JsonObject o) => new(o.OrderBy(p => p.Key).Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));
}
