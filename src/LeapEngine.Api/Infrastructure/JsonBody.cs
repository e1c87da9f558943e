using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using LeapEngine.Api.Errors;
using LeapEngine.Jobs;

namespace LeapEngine.Api.Infrastructure;

/// <summary>
/// Reads a JSON request body with the engine's dialect and turns every way it can be wrong
/// (not JSON, wrong type, unknown field, too large) into a 4xx that names the place to fix.
/// Endpoints read bodies through here rather than through parameter binding so that none of
/// these ends up as an empty 400 or a 500. The reader is strict (a key given twice is refused,
/// not "last wins"), and <see cref="BodyRules"/> then holds for every field of every route.
/// </summary>
public static class JsonBody
{
    public sealed record Read<T>(T? Value, byte[] Raw, ProblemResult? Problem);

    /// <summary>
    /// The engine's dialect, refusing duplicate keys (including ones that differ only in case). The resolver is
    /// set here because <see cref="BodyRules"/> reads contracts (GetTypeInfo) before anything is deserialised.
    /// </summary>
    private static readonly JsonSerializerOptions Strict = new(LeapJson.Options)
    {
        AllowDuplicateProperties = false,
        TypeInfoResolver = LeapJson.Options.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver(),
    };
    private static readonly JsonDocumentOptions StrictDocument = new() { AllowDuplicateProperties = false };

    public static async Task<Read<T>> ReadAsync<T>(HttpRequest request, CancellationToken ct) where T : class
    {
        if (request.ContentType is not { } type || !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            return new(null, [], Problems.UnsupportedMediaType());
        byte[] raw;
        try
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, ct);
            raw = buffer.ToArray();
        }
        catch (BadHttpRequestException e) when (e.StatusCode == 413)
        {
            return new(null, [], Problems.PayloadTooLarge(null));
        }
        if (raw.Length == 0) return new(null, raw, Problems.Validation("the request body is empty; send a JSON object"));
        try
        {
            JsonNode? node;
            try { node = JsonNode.Parse(raw, documentOptions: StrictDocument); }
            catch (JsonException)
            {
                // Binding the raw bytes reports the same fault with the path of the field at fault.
                JsonSerializer.Deserialize<T>(raw, Strict);
                throw;
            }
            if (node is null) return new(null, raw, Problems.Validation("the request body is null; send a JSON object"));
            if (BodyRules.Apply(node, Strict.GetTypeInfo(typeof(T)), "$") is { } violation)
                return new(null, raw, Problems.Validation($"invalid value at {violation.Path}: {violation.Message}", violation.Path));
            var value = node.Deserialize<T>(Strict);
            return value is null
                ? new(null, raw, Problems.Validation("the request body is null; send a JSON object"))
                : new(value, raw, null);
        }
        catch (JsonException e)
        {
            var path = string.IsNullOrEmpty(e.Path) ? "$" : e.Path;
            return new(null, raw, Problems.Validation($"invalid JSON at {path}: {Explain(e)}", path));
        }
        catch (InvalidOperationException)
        {
            // System.Text.Json's answer to an escaped lone surrogate in a property name or a bound string.
            return new(null, raw, Problems.Validation($"invalid JSON: {BodyRules.UnpairedSurrogate}", "$"));
        }
    }

    private static string Explain(JsonException e)
    {
        var message = e.Message;
        if (message.Contains("could not be mapped to any .NET member")) return "unknown field (check the spelling; fields are snake_case)";
        if (message.Contains("could not be converted to")) return "wrong type for this field";
        if (message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase)) return "this field is given more than once; give it once";
        if (message.Contains("maximum configured depth")) return "the JSON is nested too deeply";
        int cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
