using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LeapEngine.Api.Tests.Docs;
using LeapEngine.Api.Tests.Infrastructure;

namespace LeapEngine.Api.Tests;

/// <summary>
/// docs/api.md cannot drift from the API: every job route's request fields, as the OpenAPI document has them, are the
/// fields its "Request fields" table lists — a field in one and not the other fails, and so does a table for a
/// route nothing serves.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class DocsFieldTests(ApiFixture api)
{
    [Fact]
    public async Task Every_job_routes_request_fields_are_the_ones_docs_api_md_lists()
    {
        var document = (await api.Client(null).GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;
        var served = OpenApiFields.OfJobRoutes(document);
        var documented = ApiDoc.FieldTables();
        Assert.True(served.Count >= 10, $"expected the ten job routes in the OpenAPI document, found {served.Count}");

        var problems = new List<string>();
        foreach (var (route, fields) in served)
        {
            if (!documented.TryGetValue(route, out var listed))
            {
                problems.Add($"{route}: docs/api.md has no \"Request fields of `{route}`:\" table");
                continue;
            }
            problems.AddRange(fields.Except(listed).Select(f => $"{route}: `{f}` is a request field but docs/api.md does not list it"));
            problems.AddRange(listed.Except(fields).Select(f => $"{route}: docs/api.md lists `{f}`, which the API does not take"));
            problems.AddRange(listed.GroupBy(f => f).Where(g => g.Count() > 1).Select(g => $"{route}: `{g.Key}` is listed twice"));
        }
        problems.AddRange(documented.Keys.Except(served.Keys).Select(r => $"docs/api.md documents {r}, which the API does not serve"));
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public async Task The_swagger_intro_has_no_angle_brackets_that_its_markdown_would_swallow_as_html()
    {
        var document = (await api.Client(null).GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;
        var description = document["info"]!["description"]!.GetValue<string>();
        Assert.DoesNotContain("<", description);
        Assert.Contains("Authorization: Bearer", description);
    }

    [Fact]
    public async Task No_route_is_documented_that_nothing_serves()
    {
        var document = (await api.Client(null).GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;
        var paths = document["paths"]!.AsObject().Select(p => p.Key).ToHashSet();
        Assert.DoesNotContain("/v1/jobs/{id}/result/bytes", paths);
        var docs = File.ReadAllText(ApiDoc.Path);
        Assert.DoesNotContain("result/bytes", docs);
        Assert.DoesNotContain("result_bytes", docs);
    }
}
