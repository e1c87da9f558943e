using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using YamlDotNet.RepresentationModel;

namespace LeapEngine.Api.Tests.ScaleOut;

/// <summary>
/// deploy/kubernetes read as Kubernetes would: every YAML document to JSON (plain scalars typed as YAML 1.2's
/// core schema types them, quoted ones strings), checked against the schema of its kind in
/// ScaleOut/KubernetesSchemas: subsets of the Kubernetes 1.30 API and KEDA 2.x CRD schemas written for the
/// fields these manifests use, with unknown fields refused (a misspelt field fails, as kubectl's strict
/// validation would). Subsets rather than the published schemas: the tests run offline, and the full
/// standalone schemas run to megabytes for the nine kinds used here.
/// </summary>
internal static class KubernetesManifests
{
    public static string Folder => Path.Combine(Docs.ApiDoc.RepositoryRoot(), "deploy", "kubernetes");

    private static string SchemaFolder => Path.Combine(Docs.ApiDoc.RepositoryRoot(), "tests", "LeapEngine.Api.Tests", "ScaleOut", "KubernetesSchemas");

    /// <summary>Every document of every .yaml file in the folder, with the file it came from.</summary>
    public static List<(string File, JsonObject Document)> Load(string? folder = null) =>
        Directory.GetFiles(folder ?? Folder, "*.yaml").Order()
            .SelectMany(file => Parse(File.ReadAllText(file)).Select(d => (Path.GetFileName(file), d)))
            .ToList();

    public static List<JsonObject> Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents.Select(d => ToJson(d.RootNode) as JsonObject
            ?? throw new InvalidDataException("a manifest document is not a mapping")).ToList();
    }

    /// <summary>The schema errors of one document ("kind has no schema" when its kind is not one the manifests may use).</summary>
    public static List<string> Errors(JsonObject document)
    {
        var kind = document["kind"]?.GetValue<string>() ?? "";
        var path = Path.Combine(SchemaFolder, kind + ".json");
        if (kind.Length == 0 || !File.Exists(path)) return [$"kind '{kind}' has no schema in {SchemaFolder}"];
        var schema = JsonSchema.FromText(File.ReadAllText(path));
        using var instance = JsonDocument.Parse(document.ToJsonString());
        var result = schema.Evaluate(instance.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (result.IsValid) return [];
        return (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))
            .DefaultIfEmpty("invalid").ToList();
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c =>
            KeyValuePair.Create(((YamlScalarNode)c.Key).Value ?? "", ToJson(c.Value)))),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(ToJson).ToArray()),
        YamlScalarNode s when s.Style is YamlDotNet.Core.ScalarStyle.Plain => Plain(s.Value),
        YamlScalarNode s => JsonValue.Create(s.Value),
        _ => throw new InvalidDataException($"unsupported YAML node {node.NodeType}"),
    };

    /// <summary>An unquoted scalar as YAML 1.2's core schema reads it.</summary>
    private static JsonNode? Plain(string? value) => value switch
    {
        null or "" or "~" or "null" => null,
        "true" => JsonValue.Create(true),
        "false" => JsonValue.Create(false),
        _ when long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) => JsonValue.Create(n),
        _ => JsonValue.Create(value),
    };
}
