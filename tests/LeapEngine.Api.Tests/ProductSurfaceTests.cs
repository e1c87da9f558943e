using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LeapEngine.Api.Tests.Infrastructure;

namespace LeapEngine.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class ProductSurfaceTests(ApiFixture api)
{
    [Fact]
    public async Task Health_and_readiness_report_database_and_worker()
    {
        var client = api.Client(null);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        JsonObject? ready = null;
        for (int i = 0; i < 50; i++)   // the in-process worker's first heartbeat may take a moment
        {
            var response = await client.GetAsync("/readyz");
            ready = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
            if (response.StatusCode == HttpStatusCode.OK) break;
            await Task.Delay(100);
        }
        Assert.Equal("ready", ready!["status"]!.GetValue<string>());
        Assert.True(ready["database"]!.GetValue<bool>());
        Assert.True(ready["workers"]!.GetValue<int>() >= 1);
    }

    [Fact]
    public async Task Every_response_has_a_request_id_and_a_given_one_is_echoed()
    {
        var client = api.Client(null);
        var response = await client.GetAsync("/healthz");
        Assert.StartsWith("req_", response.Headers.GetValues("X-Request-Id").Single());
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/jobs");
        request.Headers.Add("X-Request-Id", "client-chosen-123");
        var problem = await client.SendAsync(request);
        Assert.Equal("client-chosen-123", problem.Headers.GetValues("X-Request-Id").Single());
        Assert.Equal("client-chosen-123", (await problem.Content.ReadFromJsonAsync<JsonObject>())!["request_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Openapi_document_and_swagger_ui_cover_every_route_and_the_key_scheme()
    {
        var client = api.Client(null);
        var ui = await client.GetAsync("/docs/index.html");
        Assert.Equal(HttpStatusCode.OK, ui.StatusCode);
        var doc = (await client.GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;
        var paths = doc["paths"]!.AsObject();
        foreach (var path in new[] { "/v1/generations", "/v1/jobs", "/v1/jobs/{id}", "/v1/jobs/{id}/cancel", "/v1/jobs/{id}/events",
                     "/v1/usage", "/v1/models", "/v1/keys", "/v1/admin/tenants" })
            Assert.True(paths.ContainsKey(path), $"OpenAPI lacks {path}");
        Assert.Equal("bearer", doc["components"]!["securitySchemes"]!["bearer"]!["scheme"]!.GetValue<string>());
        var generation = doc["components"]!["schemas"]!["GenerationRequest"]!["properties"]!.AsObject();
        Assert.True(generation.ContainsKey("max_tokens"), "request schemas should be snake_case like the wire");
        Assert.Contains("context", generation["max_tokens"]!["description"]!.GetValue<string>());   // from the request's XML docs
        var post = paths["/v1/generations"]!["post"]!;
        Assert.Equal("Once upon a time", post["requestBody"]!["content"]!["application/json"]!["example"]!["prompt"]!.GetValue<string>());
        Assert.Equal("queued", post["responses"]!["202"]!["content"]!["application/json"]!["example"]!["status"]!.GetValue<string>());
        Assert.Equal("succeeded", paths["/v1/jobs/{id}"]!["get"]!["responses"]!["200"]!["content"]!["application/json"]!["example"]!["status"]!.GetValue<string>());

        // The method routes: every job-creating POST shows an example body.
        foreach (var path in new[] { "/v1/attributions", "/v1/checks/system-prompt-influence", "/v1/dictionaries",
                     "/v1/dictionaries/{id}/assign", "/v1/dictionaries/{id}/score", "/v1/dictionaries/{id}/steer",
                     "/v1/dictionaries/{id}/ablate", "/v1/dictionaries/{id}/match", "/v1/optimisations" })
            Assert.NotNull(paths[path]?["post"]?["requestBody"]?["content"]?["application/json"]?["example"]);
        Assert.NotNull(paths["/v1/dictionaries/{id}/regions"]?["get"]?["responses"]?["200"]?["content"]?["application/json"]?["example"]);
        Assert.Equal("attribution", paths["/v1/attributions"]!["post"]!["responses"]!["202"]!["content"]!["application/json"]!["example"]!["type"]!.GetValue<string>());

        // Every /v1 operation that answers JSON shows an example of its success response.
        var missing = new List<string>();
        foreach (var (path, item) in paths)
        {
            if (!path.StartsWith("/v1/")) continue;
            foreach (var (method, operation) in item!.AsObject())
            {
                var success = operation!["responses"]?.AsObject().Where(r => r.Key.StartsWith('2')).Select(r => r.Value).FirstOrDefault();
                var media = success?["content"]?.AsObject().FirstOrDefault();
                if (media is { Key: "application/json" or "text/event-stream" } m && m.Value?["example"] is null)
                    missing.Add($"{method.ToUpperInvariant()} {path}");
            }
        }
        Assert.True(missing.Count == 0, "no response example: " + string.Join(", ", missing));
    }

    [Fact]
    public async Task Models_lists_the_served_model_with_its_shape()
    {
        var tenant = await api.NewTenantAsync();
        var models = (await tenant.Http.GetFromJsonAsync<JsonObject>("/v1/models"))!["data"]!.AsArray();
        var stories = models.Single(m => m!["id"]!.GetValue<string>() == "stories260K")!;
        Assert.True(stories["available"]!.GetValue<bool>());
        Assert.Equal(512, stories["context_length"]!.GetValue<int>());
        Assert.Equal("small", stories["class"]!.GetValue<string>());
    }
}
