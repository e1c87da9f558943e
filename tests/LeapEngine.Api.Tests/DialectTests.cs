using System.Text.Json.Nodes;
using LeapEngine.Api.Tests.Infrastructure;

namespace LeapEngine.Api.Tests;

/// <summary>
/// One dialect: enum values on the wire are the snake_case words the docs use, and a wrong one is answered with the
/// list of valid ones (not "wrong type"), so the 400 says what to fix.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class DialectTests(ApiFixture api)
{
    public static TheoryData<string, string, string, string> WrongEnumValues => new()
    {
        { "/v1/dictionaries", """{"texts": ["a b"], "metric": "manhattan"}""", "$.metric", "use one of: cosine, euclidean" },
        { "/v1/dictionaries", """{"texts": ["a b"], "positions": "first"}""", "$.positions", "use one of: all_but_bos, last_only" },
        { "/v1/attributions", """{"text": "a b", "evaluation": {"mode": "fast"}}""", "$.evaluation.mode",
            "use one of: naive, batched, batched_prefix_cache" },
        { "/v1/attributions", """{"text": "a b", "evaluation": {"mode": 2}}""", "$.evaluation.mode", "use one of: naive, batched, batched_prefix_cache" },
        { "/v1/attributions", """{"text": "a b", "hipe": {"aggregation": "max"}}""", "$.hipe.aggregation", "use one of: mean, sum, finest" },
        { "/v1/optimisations", """{"target": " ball", "vocabulary": "all"}""", "vocabulary", "use one of: printable, no_special" },
        { "/v1/optimisations", """{"target": " ball", "hybrid_variant": "zigzag"}""", "hybrid_variant", "use one of: sequential, chain, anchored, reseed" },
    };

    [Theory]
    [MemberData(nameof(WrongEnumValues))]
    public async Task A_wrong_enum_value_is_a_400_that_lists_the_valid_values(string path, string body, string field, string expected)
    {
        var tenant = await api.NewTenantAsync();
        var response = await tenant.Http.PostAsync(path, ApiFixture.RawJson(body));
        var detail = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["detail"]?.GetValue<string>();
        await JobClient.AssertInvalidFieldAsync(response, field, body);
        Assert.Contains(expected, detail);
    }

    [Fact]
    public async Task Enum_values_are_accepted_and_echoed_in_snake_case()
    {
        var tenant = await api.NewTenantAsync();
        var job = await JobClient.SubmitAsync(tenant.Http, "/v1/attributions",
            new { text = "Tom saw a dog", max_new_tokens = 1, evaluation = new { mode = "batched_prefix_cache" } });
        Assert.Equal("batched_prefix_cache", job["request"]!["evaluation"]!["mode"]!.GetValue<string>());
        var done = await JobClient.WaitFinalAsync(tenant.Http, job["id"]!.GetValue<string>());
        Assert.Equal("batched_prefix_cache", done["result"]!["evaluation_mode"]!.GetValue<string>());
    }
}
