using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.Json;
using LeapEngine.Api.Infrastructure;
using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Core.Attribution;
using LeapEngine.Jobs;

namespace LeapEngine.Api.Tests;

/// <summary>
/// The rules every body obeys on every route (Infrastructure/BodyRules.cs): explicit null is an
/// omitted field, never a 500 or a stuck job; no null in lists; nothing PostgreSQL cannot store;
/// no number the float32 engine cannot compute with; a key given twice is refused; and an error
/// never repeats a huge value back.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class BoundaryValidationTests(ApiFixture api)
{
    /// <summary>Bodies whose optional fields are explicit nulls, one per job route that had a 500 or a stuck job.</summary>
    public static TheoryData<string, string> NullOptionals => new()
    {
        { "/v1/generations", """{"prompt":"Once upon a time","max_tokens":2,"model":null,"temperature":null,"top_p":null,"top_k":null,"seed":null}""" },
        { "/v1/attributions", """{"text":"Once upon a time","max_new_tokens":2,"method":null,"unit":null,"perturbation":null,"template":null,"hipe":null,"evaluation":null}""" },
        { "/v1/optimisations", """{"target":" ball","method":null,"prefix":null,"suffix":null,"vocabulary":null,"hybrid_variant":null,"length":2,"steps":2,"candidates":2}""" },
        { "/v1/checks/system-prompt-influence", """{"cases":[{"system":"Be kind.","user":"Once upon a time","name":null,"completion":null,"log_prob_drop":{"min":null,"max":100},"attribution_share":null}],"method":null,"unit":null,"max_new_tokens":2}""" },
    };

    [Theory]
    [MemberData(nameof(NullOptionals))]
    public async Task Explicit_null_for_an_optional_field_is_its_default_and_the_job_ends(string path, string body)
    {
        var tenant = await api.NewTenantAsync("pro");
        var response = await tenant.Http.PostAsync(path, ApiFixture.RawJson(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"expected 202, got {(int)response.StatusCode}: {text}");
        var job = await JobClient.WaitFinalAsync(tenant.Http, JsonNode.Parse(text)!["id"]!.GetValue<string>(), TimeSpan.FromMinutes(2));
        Assert.True(job["status"]!.GetValue<string>() == "succeeded", job.ToJsonString());
    }

    [Fact]
    public void Null_stays_null_only_where_the_field_can_hold_it()
    {
        var options = new JsonSerializerOptions(LeapJson.Options);
        var node = JsonNode.Parse("""{"max_splits_per_stage":null,"max_depth":null,"threshold":null}""")!;
        Assert.Null(BodyRules.Apply(node, options.GetTypeInfo(typeof(HipeOptions)), "$"));
        // int? (null = no limit) keeps its null; int and an enum fall back to their defaults.
        Assert.Equal("""{"max_splits_per_stage":null}""", node.ToJsonString());
        Assert.Null(node.Deserialize<HipeOptions>(options)!.MaxSplitsPerStage);
    }

    [Fact]
    public async Task Explicit_null_in_a_patch_leaves_the_field_unchanged()
    {
        var tenant = await api.NewTenantAsync();
        var response = await api.Operator.PatchAsync($"/v1/admin/tenants/{tenant.Id}", ApiFixture.RawJson("""{"name":null,"plan":null}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("test", (await response.Content.ReadFromJsonAsync<JsonObject>())!["plan"]!.GetValue<string>());
    }

    /// <summary>(route, body, the field the 400 names); key creation routes are the tenant's own.</summary>
    public static TheoryData<string, string, string> Refused => new()
    {
        // null inside a list
        { "/v1/keys", """{"scopes":[null]}""", "$.scopes[0]" },
        { "/v1/dictionaries", """{"texts":["Tom saw a dog.",null]}""", "$.texts[1]" },
        { "/v1/checks/system-prompt-influence", """{"cases":[null]}""", "$.cases[0]" },
        // characters PostgreSQL cannot store, or that are not text
        { "/v1/keys", "{\"name\":\"ci\\u0000\"}", "$.name" },
        { "/v1/generations", "{\"prompt\":\"Once\\u0000upon\",\"max_tokens\":1}", "$.prompt" },
        { "/v1/generations", "{\"prompt\":\"Once \\ud800 upon\",\"max_tokens\":1}", "$.prompt" },
        { "/v1/generations", "{\"prompt\":\"bell\\u0007\",\"max_tokens\":1}", "$.prompt" },
        { "/v1/generations", "{\"prompt\":\"x\",\"\\udc00\":1}", "$" },
        { "/v1/dictionaries", "{\"texts\":[\"Tom\"],\"name\":\"a\\u0000\"}", "$.name" },
        // numbers the engine cannot compute with
        { "/v1/generations", """{"prompt":"x","max_tokens":1,"temperature":1e-320}""", "$.temperature" },
        { "/v1/generations", """{"prompt":"x","max_tokens":1,"top_p":4.9e-324}""", "$.top_p" },
        { "/v1/generations", """{"prompt":"x","max_tokens":1,"temperature":1e-40}""", "$.temperature" },
        { "/v1/generations", """{"prompt":"x","max_tokens":1,"temperature":1e400}""", "$.temperature" },
        { "/v1/generations", """{"prompt":"x","max_tokens":1,"temperature":-1e39}""", "$.temperature" },
        { "/v1/generations", """{"prompt":"x","max_tokens":1,"temperature":1e-9}""", "temperature" },
        { "/v1/dictionaries/dict_00000000000000000000000000000000/steer", """{"prompt":"x","region":0,"alpha":1e-310}""", "$.alpha" },
        // duplicate keys: refused, not "last wins"
        { "/v1/generations", """{"prompt":"x","max_tokens":1,"max_tokens":2}""", "$.max_tokens" },
        { "/v1/generations", """{"prompt":"x","max_tokens":1,"Max_Tokens":2}""", "$.Max_Tokens" },
        { "/v1/keys", """{"name":"a","name":"b"}""", "$.name" },
        { "/v1/attributions", """{"text":"x","hipe":{"min_unit":1,"min_unit":2}}""", "$.hipe.min_unit" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task Nulls_in_lists_unstorable_text_unusable_numbers_and_repeated_keys_get_400_naming_the_field(
        string path, string body, string field)
    {
        var tenant = await api.NewTenantAsync("pro");
        var response = await tenant.Http.PostAsync(path, ApiFixture.RawJson(body));
        await JobClient.AssertInvalidFieldAsync(response, field, body);
        Assert.Empty((await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/jobs"))!["data"]!.AsArray());
    }

    /// <summary>Found by the schema fuzzer: accepted, then failed inside the engine. A check the submission can make is made there.</summary>
    [Fact]
    public async Task Readouts_of_a_blank_text_are_refused_at_submission_not_failed_in_the_job()
    {
        var tenant = await api.NewTenantAsync();
        var (id, _) = await DictionaryJobTests.BuildAsync(tenant);
        var response = await tenant.Http.PostAsync($"/v1/dictionaries/{id}/assign",
            ApiFixture.Json(new { texts = new[] { "Tom saw a dog.", " " }, readout = "cosine" }));
        await JobClient.AssertInvalidFieldAsync(response, "texts[1]");
        await JobClient.RunAsync(tenant.Http, $"/v1/dictionaries/{id}/assign", new { texts = new[] { "Tom saw a dog.", " " } });
    }

    [Fact]
    public async Task Operator_bodies_obey_the_same_rules()
    {
        await JobClient.AssertInvalidFieldAsync(
            await api.Operator.PostAsync("/v1/admin/tenants", ApiFixture.RawJson("{\"name\":\"acme\\u0000\"}")), "$.name");
        await JobClient.AssertInvalidFieldAsync(
            await api.Operator.PostAsync("/v1/admin/tenants", ApiFixture.RawJson("""{"name":"a","plan":"free","plan":"pro"}""")), "$.plan");
        var tenant = await api.NewTenantAsync();
        await JobClient.AssertInvalidFieldAsync(
            await api.Operator.PostAsync($"/v1/admin/tenants/{tenant.Id}/keys", ApiFixture.RawJson("""{"scopes":["read",null]}""")),
            "$.scopes[1]");
    }

    [Fact]
    public async Task Deep_nesting_is_a_400_not_a_stack_overflow()
    {
        var tenant = await api.NewTenantAsync();
        var deep = "{\"prompt\":\"x\",\"hipe\":" + new string('[', 5_000) + new string(']', 5_000) + "}";
        var response = await tenant.Http.PostAsync("/v1/attributions", ApiFixture.RawJson(deep));
        await JobClient.AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid-request");
    }

    [Fact]
    public async Task Errors_repeat_a_huge_value_back_bounded()
    {
        var tenant = await api.NewTenantAsync();
        var hugeModel = new string('m', 60_000);
        var response = await JobClient.PostGenerationAsync(tenant.Http, new { prompt = "x", model = hugeModel });
        await JobClient.AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid-request");
        Assert.InRange((await response.Content.ReadAsStringAsync()).Length, 1, 3_000);

        var hugeId = "job_" + new string('f', 6_000);
        var notFound = await tenant.Http.GetAsync($"/v1/jobs/{hugeId}");
        await JobClient.AssertProblemAsync(notFound, HttpStatusCode.NotFound, "not-found");
        Assert.InRange((await notFound.Content.ReadAsStringAsync()).Length, 1, 3_000);
    }
}
