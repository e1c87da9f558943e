using System.Text.Json.Nodes;

namespace LeapEngine.Api.Tests.Docs;

/// <summary>The request fields of the OpenAPI document's job-creating operations, flattened the way docs/api.md lists them.</summary>
public static class OpenApiFields
{
    /// <summary>
    /// "POST /v1/attributions" → its body's fields, every level: an object's fields follow its own name with a dot
    /// (<c>hipe.threshold</c>), an array of objects' with <c>[].</c> (<c>cases[].log_prob_drop.min</c>). Job-creating
    /// operations are the POSTs that answer 202 with a job.
    /// </summary>
    public static Dictionary<string, List<string>> OfJobRoutes(JsonObject document)
    {
        var schemas = document["components"]!["schemas"]!.AsObject();
        var routes = new Dictionary<string, List<string>>();
        foreach (var (path, operations) in document["paths"]!.AsObject())
        {
            if (operations?["post"] is not JsonObject post || post["responses"]?["202"] is null) continue;
            var schema = post["requestBody"]?["content"]?["application/json"]?["schema"];
            Assert.True(schema is not null, $"POST {path} answers 202 but documents no JSON body");
            var fields = routes[$"POST {path}"] = [];
            Flatten(schemas, schema, "", fields);
        }
        return routes;
    }

    private static void Flatten(JsonObject schemas, JsonNode? schema, string prefix, List<string> into)
    {
        var resolved = Resolve(schemas, schema);
        foreach (var (name, property) in resolved?["properties"]?.AsObject() ?? [])
        {
            if (!into.Contains(prefix + name)) into.Add(prefix + name);
            var value = Resolve(schemas, property);
            if (value?["properties"] is not null) Flatten(schemas, value, $"{prefix}{name}.", into);
            // Options with a type discriminator (oneOf its variants): the fields of every variant, each once.
            else if (value?["oneOf"] is JsonArray variants)
                foreach (var variant in variants) Flatten(schemas, variant, $"{prefix}{name}.", into);
            else if (value?["type"]?.GetValue<string>() == "array" && Resolve(schemas, value["items"])?["properties"] is not null)
                Flatten(schemas, value["items"], $"{prefix}{name}[].", into);
        }
    }

    private static JsonObject? Resolve(JsonObject schemas, JsonNode? schema)
    {
        var node = schema as JsonObject;
        for (int hops = 0; node?["$ref"] is { } reference && hops < 16; hops++)
            node = schemas[reference.GetValue<string>().Split('/')[^1]] as JsonObject;
        // Swashbuckle wraps a nullable reference as allOf: [ { $ref } ] (a derived type's allOf: [ base ] comes with properties of its own).
        if (node?["allOf"] is JsonArray { Count: 1 } all && node["properties"] is null) return Resolve(schemas, all[0]);
        return node;
    }
}
