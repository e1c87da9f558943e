using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Core.Partitioning;
using LeapEngine.Core.Partitioning.Corpora;

namespace LeapEngine.Api.Tests;

/// <summary>Dictionaries through the API: build, read, page regions, every job on a dictionary, isolation and validation.</summary>
[Collection(ApiCollection.Name)]
public sealed class DictionaryJobTests(ApiFixture api)
{
    internal static async Task<(string Id, JsonObject Job)> BuildAsync(Tenant tenant, string name = "stories", string? hook = null)
    {
        var job = await JobClient.RunAsync(tenant.Http, "/v1/dictionaries", new
        {
            name, texts = StoryCorpus.Generate(48, seed: 1).ToArray(), hook, context_length = 48, batch_size = 8, calibration_batches = 2,
            percentile = 20.0, saturation_batches = 0, examples_per_region = 2,
        });
        var id = job["result"]!["dictionary_id"]!.GetValue<string>();
        Assert.Equal("dict_" + job["id"]!.GetValue<string>()["job_".Length..], id);
        return (id, job);
    }

    [Fact]
    public async Task Dictionary_lives_from_build_to_regions_assign_score_steer_ablate_and_match()
    {
        var tenant = await api.NewTenantAsync();
        var (id, build) = await BuildAsync(tenant);
        Assert.Equal("dictionary_build", build["type"]!.GetValue<string>());
        Assert.Equal("tokens", build["progress"]!["unit"]!.GetValue<string>());
        // Progress measures the corpus, not the 200,000-token default budget it never reaches.
        long clustered = build["result"]!["info"]!["build"]!["tokens"]!.GetValue<long>();
        Assert.Equal(clustered, build["progress"]!["total"]!.GetValue<long>());
        Assert.Equal(clustered, build["progress"]!["done"]!.GetValue<long>());
        long buildTokens = build["usage"]!["model_tokens"]!.GetValue<long>();
        Assert.InRange(buildTokens, build["result"]!["info"]!["build"]!["tokens"]!.GetValue<long>(), build["usage"]!["reserved_model_tokens"]!.GetValue<long>());
        int regions = build["result"]!["metrics"]!["regions"]!.GetValue<int>();
        Assert.True(regions > 3, $"expected several regions, got {regions}");

        var list = (await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/dictionaries"))!;
        Assert.Equal([id], list["data"]!.AsArray().Select(d => d!["id"]!.GetValue<string>()));
        var view = (await tenant.Http.GetFromJsonAsync<JsonObject>($"/v1/dictionaries/{id}"))!;
        Assert.Equal("dictionary", view["object"]!.GetValue<string>());
        Assert.Equal(regions, view["regions"]!.GetValue<int>());
        Assert.Equal("stories260K", view["model"]!.GetValue<string>());
        Assert.True(view["metrics"]!["coverage"]!.GetValue<double>() > 0);

        // Regions page by id with examples a person can read.
        var seen = new List<int>();
        string? after = null;
        while (true)
        {
            var page = (await tenant.Http.GetFromJsonAsync<JsonObject>($"/v1/dictionaries/{id}/regions?limit=3{(after is null ? "" : $"&after={after}")}"))!;
            var data = page["data"]!.AsArray();
            seen.AddRange(data.Select(r => r!["id"]!.GetValue<int>()));
            Assert.All(data, r => Assert.Contains('[', r!["examples"]!["exemplar"]!["snippet"]!.GetValue<string>()));
            if (!page["has_more"]!.GetValue<bool>()) break;
            after = page["last_id"]!.GetValue<string>();
        }
        Assert.Equal(Enumerable.Range(0, regions), seen);

        // The stored bytes are the dictionary: the assign job agrees with it run here.
        var bytes = await tenant.Http.GetByteArrayAsync($"/v1/dictionaries/{id}/file");
        using var local = ExemplarDictionary.FromBytes(bytes);
        Assert.Equal(regions, local.RegionCount);
        const string probe = "Tom saw a big red ball.";
        var assign = await JobClient.RunAsync(tenant.Http, $"/v1/dictionaries/{id}/assign", new { texts = new[] { probe }, readout = "cosine" });
        var tokens = assign["result"]!["texts"]![0]!["tokens"]!.AsArray();
        var expected = EngineModel.Use(m => local.Assign(m, probe));
        Assert.Equal(expected.Tokens.Select(t => t.Region), tokens.Select(t => t!["region"]!.GetValue<int>()));
        var readouts = assign["result"]!["texts"]![0]!["readouts"]!.AsArray();
        Assert.Equal(tokens.Count, readouts.Count);
        Assert.Equal(regions, readouts[0]!.AsArray().Count);
        Assert.True(assign["usage"]!["model_tokens"]!.GetValue<long>() > 0);

        var score = await JobClient.RunAsync(tenant.Http, $"/v1/dictionaries/{id}/score", new
        {
            texts = StoryCorpus.Generate(6, seed: 9).ToArray(), out_of_set_texts = OtherCorpora.TechnicalText(6, seed: 2).ToArray(),
        });
        Assert.Equal(6, score["result"]!["scores"]!.AsArray().Count);
        Assert.InRange(score["result"]!["ood"]!["auroc_mean"]!.GetValue<double>(), 0, 1);

        var steer = await JobClient.RunAsync(tenant.Http, $"/v1/dictionaries/{id}/steer",
            new { prompt = "Once upon a time", region = 0, alpha = 8.0, target = " there was", max_new_tokens = 6 });
        var report = steer["result"]!["report"]!;
        Assert.Equal("steer", report["kind"]!.GetValue<string>());
        Assert.NotNull(report["target_log_prob_change"]);
        Assert.False(string.IsNullOrEmpty(report["before"]!.GetValue<string>()));
        Assert.True(steer["usage"]!["model_tokens"]!.GetValue<long>() > 0);

        var ablate = await JobClient.RunAsync(tenant.Http, $"/v1/dictionaries/{id}/ablate",
            new { prompt = "Once upon a time", regions = new[] { 0, 1 }, max_new_tokens = 4 });
        Assert.Equal([0, 1], ablate["result"]!["report"]!["regions"]!.AsArray().Select(r => r!.GetValue<int>()));

        var (second, _) = await BuildAsync(tenant, "stories-layer1", "blocks.1.hook_resid_post");
        var self = await JobClient.RunAsync(tenant.Http, $"/v1/dictionaries/{id}/match", new { other_dictionary_id = id });
        Assert.Equal(regions, self["result"]!["match"]!["persisted"]!.AsArray().Count);
        Assert.Equal(0, self["usage"]!["model_tokens"]!.GetValue<long>());
        var across = await JobClient.RunAsync(tenant.Http, $"/v1/dictionaries/{id}/match", new { other_dictionary_id = second, threshold = 0.5 });
        Assert.Equal(second, across["result"]!["other_dictionary_id"]!.GetValue<string>());
        Assert.Equal(2, (await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/dictionaries"))!["data"]!.AsArray().Count);
    }

    [Fact]
    public async Task Every_dictionary_route_answers_404_for_another_tenants_dictionary()
    {
        var owner = await api.NewTenantAsync();
        var other = await api.NewTenantAsync();
        var (id, _) = await BuildAsync(owner);
        var (own, _) = await BuildAsync(other, "other's own");
        string random = $"dict_{Guid.NewGuid():N}";

        foreach (var target in new[] { id, random })
        {
            foreach (var path in new[] { $"/v1/dictionaries/{target}", $"/v1/dictionaries/{target}/regions", $"/v1/dictionaries/{target}/file" })
                await JobClient.AssertProblemAsync(await other.Http.GetAsync(path), HttpStatusCode.NotFound, "not-found");
            var posts = new (string Verb, object Body)[]
            {
                ("assign", new { texts = new[] { "Hi" } }),
                ("score", new { texts = new[] { "Hi" } }),
                ("steer", new { prompt = "Hi", region = 0 }),
                ("ablate", new { prompt = "Hi", regions = new[] { 0 } }),
                ("match", new { other_dictionary_id = own }),
            };
            foreach (var (verb, body) in posts)
                await JobClient.AssertProblemAsync(await other.Http.PostAsync($"/v1/dictionaries/{target}/{verb}", ApiFixture.Json(body)),
                    HttpStatusCode.NotFound, "not-found");
        }
        // Matching one's own dictionary against another tenant's is a 404 too.
        await JobClient.AssertProblemAsync(await other.Http.PostAsync($"/v1/dictionaries/{own}/match",
            ApiFixture.Json(new { other_dictionary_id = id })), HttpStatusCode.NotFound, "not-found");

        var listed = (await other.Http.GetFromJsonAsync<JsonObject>("/v1/dictionaries"))!["data"]!.AsArray();
        Assert.Equal([own], listed.Select(d => d!["id"]!.GetValue<string>()));
        await JobClient.AssertProblemAsync(await other.Http.GetAsync($"/v1/dictionaries?after={id}"), HttpStatusCode.BadRequest, "invalid-request");
        // Nothing was queued for the refused requests.
        Assert.Single((await other.Http.GetFromJsonAsync<JsonObject>("/v1/jobs"))!["data"]!.AsArray());
        Assert.Equal(HttpStatusCode.OK, (await owner.Http.GetAsync($"/v1/dictionaries/{id}")).StatusCode);
    }

    [Fact]
    public async Task Bad_dictionary_requests_get_400_naming_the_field()
    {
        var tenant = await api.NewTenantAsync();
        var (id, _) = await BuildAsync(tenant);
        var cases = new (string Path, string Body, string Field)[]
        {
            ("/v1/dictionaries", """{}""", "texts"),
            ("/v1/dictionaries", """{"texts": ["  ", ""]}""", "texts"),
            ("/v1/dictionaries", """{"texts": ["a b"], "hook": "blocks.99.hook_resid_post"}""", "hook"),
            ("/v1/dictionaries", """{"texts": ["a b"], "hook": "blocks.0.attn.hook_pattern"}""", "hook"),
            ("/v1/dictionaries", """{"texts": ["a b"], "metric": "manhattan"}""", "$.metric"),
            ("/v1/dictionaries", """{"texts": ["a b"], "percentile": 100}""", "percentile"),
            ("/v1/dictionaries", """{"texts": ["a b"], "theta": 3}""", "theta"),
            ("/v1/dictionaries", """{"texts": ["a b"], "theta": 0.3, "percentile": 5}""", "percentile"),   // theta would silently win
            ("/v1/dictionaries", """{"texts": ["a b"], "batch_size": 0}""", "batch_size"),
            ("/v1/dictionaries", """{"texts": ["a b"], "context_length": 100000}""", "context_length"),
            ($"/v1/dictionaries/{id}/assign", """{"texts": []}""", "texts"),
            ($"/v1/dictionaries/{id}/assign", """{"texts": ["a"], "readout": "sparse"}""", "$.readout"),
            ($"/v1/dictionaries/{id}/score", """{"texts": ["a"], "out_of_set_texts": [" "]}""", "out_of_set_texts"),
            ($"/v1/dictionaries/{id}/steer", """{"prompt": "a", "region": 99999}""", "region"),
            ($"/v1/dictionaries/{id}/steer", """{"prompt": "a"}""", "region"),
            ($"/v1/dictionaries/{id}/steer", """{"region": 0}""", "prompt"),
            ($"/v1/dictionaries/{id}/steer", """{"prompt": "a", "region": 0, "max_new_tokens": 5000}""", "max_new_tokens"),
            ($"/v1/dictionaries/{id}/ablate", """{"prompt": "a", "regions": [0, -1]}""", "regions[1]"),
            ($"/v1/dictionaries/{id}/match", """{}""", "other_dictionary_id"),
            ($"/v1/dictionaries/{id}/match", $$"""{"other_dictionary_id": "{{id}}", "threshold": 2}""", "threshold"),
        };
        foreach (var (path, body, field) in cases)
        {
            var response = await tenant.Http.PostAsync(path, ApiFixture.RawJson(body));
            await JobClient.AssertInvalidFieldAsync(response, field, $"{path} {body}");
        }
        await JobClient.AssertProblemAsync(await tenant.Http.GetAsync($"/v1/dictionaries/{id}/regions?limit=0"), HttpStatusCode.BadRequest, "invalid-request");
        await JobClient.AssertProblemAsync(await tenant.Http.GetAsync($"/v1/dictionaries/{id}/regions?after=-5"), HttpStatusCode.BadRequest, "invalid-request");
        await JobClient.AssertProblemAsync(await tenant.Http.GetAsync($"/v1/dictionaries/{id}/regions?after=abc"), HttpStatusCode.BadRequest, "invalid-request");
        await JobClient.AssertProblemAsync(await tenant.Http.GetAsync("/v1/dictionaries/dict_nothex"), HttpStatusCode.NotFound, "not-found");
    }
}
