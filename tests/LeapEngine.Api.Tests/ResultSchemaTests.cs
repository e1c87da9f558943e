using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LeapEngine.Api.Hosting;
using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Jobs.Handlers;
using Microsoft.Extensions.DependencyInjection;

namespace LeapEngine.Api.Tests;

/// <summary>Every job type's result contract is a schema of the OpenAPI document, so the snapshot test pins results too.</summary>
[Collection(ApiCollection.Name)]
public sealed class ResultSchemaTests(ApiFixture api)
{
    [Fact]
    public async Task Every_registered_job_type_has_its_result_schema_in_the_document()
    {
        var registered = api.Factory.Services.GetRequiredService<JobTypeRegistry>().All.Select(t => t.Name).Order();
        Assert.Equal(registered, OpenApiResultSchemas.ByJobType.Keys.Order());

        var schemas = (await api.Client(null).GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!["components"]!["schemas"]!.AsObject();
        foreach (var (type, result) in OpenApiResultSchemas.ByJobType)
            Assert.True(schemas[result.Name]?["properties"] is JsonObject { Count: > 0 }, $"{type}: no schema {result.Name} with properties");
        Assert.Contains("output_token_scores", schemas["UnitAttribution"]!["properties"]!.AsObject().Select(p => p.Key));
    }
}
