using System.Text.Json.Nodes;

namespace LeapEngine.Api.Tests.Fuzzing;

/// <summary>
/// One POST or PATCH operation of the served OpenAPI document: its path template, a valid body
/// to start mutating from (the document's example) and the body's schema (property names,
/// types, enum values), with $refs resolved against the document's components.
/// </summary>
public sealed record FuzzRoute(string Method, string Template, string OperationId, JsonNode? Example, JsonObject? Schema, JsonObject Components)
{
    /// <summary>Every POST/PATCH operation in <paramref name="document"/> (routes without a body get bodies too: they must ignore them).</summary>
    public static List<FuzzRoute> FromOpenApi(JsonObject document)
    {
        var components = document["components"]?["schemas"]?.AsObject() ?? [];
        var routes = new List<FuzzRoute>();
        foreach (var (template, item) in document["paths"]!.AsObject())
            foreach (var (method, operation) in item!.AsObject())
            {
                if (method is not ("post" or "patch")) continue;
                var media = operation!["requestBody"]?["content"]?["application/json"];
                routes.Add(new FuzzRoute(method.ToUpperInvariant(), template, operation["operationId"]?.GetValue<string>() ?? template,
                    media?["example"]?.DeepClone(), Resolve(media?["schema"], components), components));
            }
        return routes.OrderBy(r => r.Template).ThenBy(r => r.Method).ToList();
    }

    /// <summary>The schema behind a $ref (one level; nested refs are resolved as the mutator walks).</summary>
    public static JsonObject? Resolve(JsonNode? schema, JsonObject components)
    {
        if (schema is not JsonObject obj) return null;
        if (obj["$ref"]?.GetValue<string>() is { } reference)
            return components[reference.Split('/')[^1]] as JsonObject;
        if (obj["allOf"] is JsonArray { Count: 1 } allOf) return Resolve(allOf[0], components);
        return obj;
    }

    public JsonObject? PropertySchema(JsonObject? schema, string name) =>
        Resolve(Resolve(schema, Components)?["properties"]?[name], Components);

    public override string ToString() => $"{Method} {Template}";
}
