using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Core.Attribution;

namespace LeapEngine.Api.Tests;

/// <summary>POST /v1/checks/system-prompt-influence: pass/fail per case and overall, figures equal to the engine's.</summary>
[Collection(ApiCollection.Name)]
public sealed class InfluenceCheckTests(ApiFixture api)
{
    private const string System = "You are a kind storyteller.";

    [Fact]
    public async Task Check_reports_each_case_against_its_range_and_fails_overall_if_one_fails()
    {
        var tenant = await api.NewTenantAsync();
        var job = await JobClient.RunAsync(tenant.Http, "/v1/checks/system-prompt-influence", new
        {
            max_new_tokens = 5,
            cases = new object[]
            {
                new { name = "loose", system = System, user = "Once upon a time", log_prob_drop = new { min = -1000.0, max = 1000.0 },
                      attribution_share = new { min = 0.0, max = 1.0 } },
                new { name = "strict", system = System, user = "The dog ran", log_prob_drop = new { min = 1000.0 } },
            },
        });
        Assert.Equal("system_prompt_influence", job["type"]!.GetValue<string>());
        var result = job["result"]!;
        Assert.False(result["passed"]!.GetValue<bool>());
        Assert.Equal(1, result["passed_cases"]!.GetValue<int>());
        Assert.Equal(1, result["failed_cases"]!.GetValue<int>());
        var cases = result["cases"]!.AsArray();
        Assert.True(cases[0]!["passed"]!.GetValue<bool>());
        Assert.False(cases[1]!["passed"]!.GetValue<bool>());
        Assert.Equal(2, cases[0]!["checks"]!.AsArray().Count);
        var failed = cases[1]!["checks"]![0]!;
        Assert.Equal("log_prob_drop", failed["figure"]!.GetValue<string>());
        Assert.False(failed["passed"]!.GetValue<bool>());

        var expected = EngineModel.Use(m => AttributionEngine.Run(m, new AttributionRequest
        {
            Segments = [new PromptSegment("system", System), new PromptSegment("user", "Once upon a time")], MaxNewTokens = 5,
        })).SystemPrompt!;
        Assert.Equal(expected.LogProbDrop, cases[0]!["log_prob_drop"]!.GetValue<double>(), 1e-3);
        Assert.Equal(expected.AttributionShare, cases[0]!["attribution_share"]!.GetValue<double>(), 1e-3);
        Assert.Equal(2, job["progress"]!["done"]!.GetValue<long>());
        Assert.Equal("cases", job["progress"]!["unit"]!.GetValue<string>());
        Assert.True(job["usage"]!["model_tokens"]!.GetValue<long>() > 0);
    }

    [Fact]
    public async Task Check_passes_when_every_case_is_in_range()
    {
        var tenant = await api.NewTenantAsync();
        var job = await JobClient.RunAsync(tenant.Http, "/v1/checks/system-prompt-influence", new
        {
            cases = new[] { new { system = System, user = "Lily saw a cat", completion = " and smiled", attribution_share = new { max = 1.0 } } },
        });
        Assert.True(job["result"]!["passed"]!.GetValue<bool>());
        Assert.Equal("case 1", job["result"]!["cases"]![0]!["name"]!.GetValue<string>());
        Assert.Equal(" and smiled", job["result"]!["cases"]![0]!["completion"]!.GetValue<string>());
    }

    public static TheoryData<string, string> BadChecks => new()
    {
        { """{}""", "cases" },
        { """{"cases": []}""", "cases" },
        { """{"cases": [{"system": "s", "user": "u"}]}""", "cases[0].log_prob_drop" },
        { """{"cases": [{"system": "s", "user": "u", "attribution_share": {}}]}""", "cases[0].attribution_share" },
        { """{"cases": [{"system": "s", "user": "u", "attribution_share": {"min": 0.9, "max": 0.1}}]}""", "cases[0].attribution_share" },
        // A share lies within 0..1: a bound outside it could never fail (or never pass), so it is a mistake, not a gate.
        { """{"cases": [{"system": "s", "user": "u", "attribution_share": {"max": 1.5}}]}""", "cases[0].attribution_share" },
        { """{"cases": [{"system": "s", "user": "u", "attribution_share": {"min": -0.1}}]}""", "cases[0].attribution_share" },
        { """{"cases": [{"user": "u", "log_prob_drop": {"max": 1}}]}""", "cases[0].system" },
        { """{"cases": [{"system": "s", "log_prob_drop": {"max": 1}}]}""", "cases[0].user" },
        { """{"unit": "paragraph", "cases": [{"system": "s", "user": "u", "log_prob_drop": {"max": 1}}]}""", "cases[0].unit" },
        { """{"max_new_tokens": 999, "cases": [{"system": "s", "user": "u", "log_prob_drop": {"max": 1}}]}""", "cases[0].max_new_tokens" },
        { """{"cases": [{"system": "s", "user": "u", "log_prob_drop": {"max": "high"}}]}""", "$.cases[0].log_prob_drop.max" },
    };

    [Theory]
    [MemberData(nameof(BadChecks))]
    public async Task Bad_checks_get_400_naming_the_field(string body, string field)
    {
        var tenant = await api.NewTenantAsync();
        var response = await tenant.Http.PostAsync("/v1/checks/system-prompt-influence", ApiFixture.RawJson(body));
        await JobClient.AssertInvalidFieldAsync(response, field, body);
    }
}
