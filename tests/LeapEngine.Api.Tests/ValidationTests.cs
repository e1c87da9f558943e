using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using LeapEngine.Api.Tests.Infrastructure;

namespace LeapEngine.Api.Tests;

/// <summary>Every malformed request gets a 4xx problem that says what to fix; none gets a 500 or reaches a queue.</summary>
[Collection(ApiCollection.Name)]
public sealed class ValidationTests(ApiFixture api)
{
    public static TheoryData<string, string> BadBodies => new()
    {
        { "{\"prompt\": \"Once", "$.prompt" },                                   // truncated JSON
        { "not json at all", "$" },
        { "[1, 2, 3]", "$" },                                                   // wrong root type
        { "{\"prompt\": \"x\", \"max_tokens\": \"ten\"}", "$.max_tokens" },     // wrong type
        { "{\"prompt\": \"x\", \"max_tokens\": 1.5}", "$.max_tokens" },
        { "{\"prompt\": \"x\", \"max_tokens\": 99999999999}", "$.max_tokens" }, // overflow
        { "{\"prompt\": 42}", "$.prompt" },
        { "{\"prompt\": \"x\", \"temprature\": 0.5}", "$.temprature" },          // misspelt field
        { "{\"prompt\": \"x\", \"stop_at_eos\": \"yes\"}", "$.stop_at_eos" },
        { "null", "" },
        { "", "" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Malformed_json_and_wrong_types_get_400_naming_the_field(string body, string field)
    {
        var tenant = await api.NewTenantAsync();
        var response = await tenant.Http.PostAsync("/v1/generations", ApiFixture.RawJson(body));
        await JobClient.AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid-request");
        if (field.Length > 0)
            Assert.Equal(field, (await response.Content.ReadFromJsonAsync<JsonObject>())!["field"]!.GetValue<string>());
    }

    public static TheoryData<object, string> BadValues => new()
    {
        { new { prompt = "x", max_tokens = 0 }, "max_tokens" },
        { new { prompt = "x", max_tokens = 5000 }, "max_tokens" },
        { new { prompt = "x", max_tokens = 511 }, "max_tokens" },                // beyond stories260K's context of 512 with the prompt
        { new { prompt = "x", temperature = -1.0 }, "temperature" },
        { new { prompt = "x", top_p = 1.5 }, "top_p" },
        { new { prompt = "x", seed = -3 }, "seed" },
        { new { max_tokens = 3 }, "prompt" },
        { new { prompt = new string('a', 30_000) }, "prompt" },
        { new { prompt = "x", model = "no-such-model" }, "model" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public async Task Out_of_range_values_get_400_naming_the_field(object body, string field)
    {
        var tenant = await api.NewTenantAsync("pro");
        var response = await JobClient.PostGenerationAsync(tenant.Http, body);
        await JobClient.AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid-request");
        Assert.Equal(field, (await response.Content.ReadFromJsonAsync<JsonObject>())!["field"]!.GetValue<string>());
        Assert.Empty((await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/jobs"))!["data"]!.AsArray());
    }

    [Fact]
    public async Task Oversize_bodies_get_413_with_or_without_content_length()
    {
        var tenant = await api.NewTenantAsync();
        var huge = "{\"prompt\": \"" + new string('a', 200_000) + "\"}";
        await JobClient.AssertProblemAsync(await tenant.Http.PostAsync("/v1/generations", ApiFixture.RawJson(huge)),
            HttpStatusCode.RequestEntityTooLarge, "payload-too-large");

        // Chunked: no Content-Length, the limit is found while reading.
        var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(huge)));
        chunked.Headers.ContentType = new("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/generations") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        var response = await tenant.Http.SendAsync(request);
        await JobClient.AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "payload-too-large");
    }

    [Fact]
    public async Task Other_bad_requests_are_4xx_problems_never_500()
    {
        var tenant = await api.NewTenantAsync();
        var text = new StringContent("{\"prompt\": \"x\"}", Encoding.UTF8, "text/plain");
        await JobClient.AssertProblemAsync(await tenant.Http.PostAsync("/v1/generations", text), HttpStatusCode.UnsupportedMediaType,
            "unsupported-media-type");
        await JobClient.AssertProblemAsync(await tenant.Http.GetAsync("/v1/jobs/job_nothex"), HttpStatusCode.NotFound, "not-found");
        await JobClient.AssertProblemAsync(await tenant.Http.GetAsync("/v1/jobs/12345"), HttpStatusCode.NotFound, "not-found");
        await JobClient.AssertProblemAsync(await tenant.Http.GetAsync("/v1/jobs?limit=0"), HttpStatusCode.BadRequest, "invalid-request");
        await JobClient.AssertProblemAsync(await tenant.Http.GetAsync("/v1/jobs?limit=abc"), HttpStatusCode.BadRequest, "invalid-request");
        await JobClient.AssertProblemAsync(await tenant.Http.GetAsync("/v1/jobs?status=done"), HttpStatusCode.BadRequest, "invalid-request");
        await JobClient.AssertProblemAsync(await tenant.Http.GetAsync("/v1/jobs?after=job_zzz"), HttpStatusCode.BadRequest, "invalid-request");
        var job = await JobClient.SubmitGenerationAsync(tenant.Http, new { prompt = "x", max_tokens = 1 });
        await JobClient.AssertProblemAsync(await tenant.Http.GetAsync($"/v1/jobs/{job["id"]}?wait=-1"), HttpStatusCode.BadRequest, "invalid-request");
        await JobClient.AssertProblemAsync(await tenant.Http.GetAsync($"/v1/jobs/{job["id"]}?wait=9999"), HttpStatusCode.BadRequest, "invalid-request");
        await JobClient.AssertProblemAsync(await tenant.Http.GetAsync("/v1/nothing-here"), HttpStatusCode.NotFound, "not-found");
        await JobClient.AssertProblemAsync(await tenant.Http.PostAsync("/v1/keys", ApiFixture.Json(new { expires_in_days = 0 })),
            HttpStatusCode.BadRequest, "invalid-request");
        await JobClient.AssertProblemAsync(await tenant.Http.PostAsync("/v1/keys", ApiFixture.RawJson("{\"scopes\": \"read\"}")),
            HttpStatusCode.BadRequest, "invalid-request");
        var badKey = new HttpRequestMessage(HttpMethod.Post, "/v1/generations") { Content = ApiFixture.Json(new { prompt = "x" }) };
        badKey.Headers.Add("Idempotency-Key", new string('k', 300));
        await JobClient.AssertProblemAsync(await tenant.Http.SendAsync(badKey), HttpStatusCode.BadRequest, "invalid-request");
    }
}
