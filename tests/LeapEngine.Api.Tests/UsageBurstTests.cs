using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LeapEngine.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace LeapEngine.Api.Tests;

/// <summary>
/// Usage never passes the plan under any concurrency: 50 submissions of one job type at once
/// against a small plan ('burst': 1,500 model tokens a month, less than 50 of any request below
/// but a match, which runs no model). Some are admitted, the rest get 402; once every admitted job ends, usage is at or under the plan and nothing stays reserved
/// or active.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class UsageBurstTests(ApiFixture api, ITestOutputHelper output)
{
    private const int Burst = 50;
    private const long PlanTokens = 1_500;
    private const string Dict = "{dict}";

    public static TheoryData<string, string, string> Bursts => new()
    {
        { "generation", "/v1/generations", """{"prompt": "Once upon a time", "max_tokens": 40, "stop_at_eos": false}""" },
        { "attribution", "/v1/attributions", """{"system": "Be kind.", "text": "Tom saw a big dog in the park", "max_new_tokens": 4}""" },
        { "system_prompt_influence", "/v1/checks/system-prompt-influence",
            """{"max_new_tokens": 4, "cases": [{"system": "Be kind.", "user": "Once upon a time", "log_prob_drop": {"max": 50}}]}""" },
        { "dictionary_build", "/v1/dictionaries",
            """{"texts": ["Tom saw a big dog.", "Lily liked to play in the park with her red ball.", "The cat slept."], "context_length": 32, "batch_size": 2, "calibration_batches": 1, "percentile": 20}""" },
        { "dictionary_assign", $"/v1/dictionaries/{Dict}/assign", """{"texts": ["Tom saw a big red ball.", "The cat sat on the mat."], "readout": "signed"}""" },
        { "dictionary_score", $"/v1/dictionaries/{Dict}/score", """{"texts": ["Tom saw a big red ball.", "Hi", "Lily and her mom went to the park to play."], "out_of_set_texts": ["SELECT 1;"]}""" },
        { "dictionary_steer", $"/v1/dictionaries/{Dict}/steer", """{"prompt": "Once upon a time", "region": 0, "alpha": 2, "target": " there", "max_new_tokens": 8}""" },
        { "dictionary_ablate", $"/v1/dictionaries/{Dict}/ablate", """{"prompt": "Once upon a time", "regions": [0], "max_new_tokens": 16}""" },
        { "dictionary_match", $"/v1/dictionaries/{Dict}/match", """{"other_dictionary_id": "{dict}"}""" },
        { "prompt_optimisation", "/v1/optimisations", """{"target": " zebra", "method": "gcg", "length": 2, "steps": 50, "candidates": 2, "search_width": 4, "max_work": 400, "seed": 1}""" },
    };

    [Trait("Category", "Slow")]
    [Theory]
    [MemberData(nameof(Bursts))]
    public async Task A_burst_of_50_never_takes_usage_past_the_plan(string type, string path, string body)
    {
        var tenant = await api.NewTenantAsync("burst");
        if (path.Contains(Dict))
        {
            var id = (await JobClient.RunAsync(tenant.Http, "/v1/dictionaries", new
            {
                texts = new[] { "Tom saw a big dog.", "Lily liked to play in the park.", "The cat sat on the mat.", "Once upon a time there was a girl." },
                context_length = 32, batch_size = 4, calibration_batches = 1, percentile = 30.0, saturation_batches = 0,
            }))["result"]!["dictionary_id"]!.GetValue<string>();
            path = path.Replace(Dict, id);
            body = body.Replace(Dict, id);
        }

        var responses = await Task.WhenAll(Enumerable.Range(0, Burst).Select(_ => tenant.Http.PostAsync(path, ApiFixture.RawJson(body))));
        var accepted = new List<string>();
        foreach (var response in responses)
        {
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.Accepted) accepted.Add(JsonNode.Parse(text)!["id"]!.GetValue<string>());
            else Assert.True(response.StatusCode is HttpStatusCode.PaymentRequired or HttpStatusCode.ServiceUnavailable,
                $"{type}: {(int)response.StatusCode} {text}");
        }
        Assert.NotEmpty(accepted);
        if (type != "dictionary_match") Assert.True(accepted.Count < Burst, $"{type}: the plan never bound; make the request larger");

        long charged = 0;
        foreach (var id in accepted)
        {
            var job = await JobClient.WaitFinalAsync(tenant.Http, id, TimeSpan.FromMinutes(3));
            Assert.True(job["status"]!.GetValue<string>() == "succeeded", $"{type}: {job.ToJsonString()}");
            long used = job["usage"]!["model_tokens"]!.GetValue<long>();
            Assert.InRange(used, 0, job["usage"]!["reserved_model_tokens"]!.GetValue<long>());
            charged += used;
        }

        var usage = (await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/usage"))!;
        long total = usage["used_model_tokens"]!.GetValue<long>();
        output.WriteLine($"{type}: {accepted.Count} of {Burst} admitted, burst used {charged}, month used {total} of {PlanTokens}");
        CampaignLog.Record($"50-way burst against a {PlanTokens}-token plan: {type} (usage over the plan)", Burst, total > PlanTokens ? 1 : 0);
        Assert.InRange(total, charged, PlanTokens);
        Assert.Equal(0, usage["reserved_model_tokens"]!.GetValue<long>());
        Assert.Equal(0, usage["active_jobs"]!.GetValue<int>());
    }
}
