using System.Text.Json;
using LeapEngine.Api.Errors;
using LeapEngine.Jobs;

namespace LeapEngine.Api.Infrastructure;

/// <summary>
/// Reads a JSON request body with the engine's dialect and turns every way it can be wrong
/// (not JSON, wrong type, unknown field, too large) into a 4xx that names the place to fix.
/// Endpoints read bodies through here rather than through parameter binding so that none of
/// these ends up as an empty 400 or a 500.
/// </summary>
public static class JsonBody
{
    public sealed record Read<T>(T? Value, byte[] Raw, ProblemResult? Problem);

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
            var value = JsonSerializer.Deserialize<T>(raw, LeapJson.Options);
            return value is null
                ? new(null, raw, Problems.Validation("the request body is null; send a JSON object"))
                : new(value, raw, null);
        }
        catch (JsonException e)
        {
            var path = string.IsNullOrEmpty(e.Path) ? "$" : e.Path;
            return new(null, raw, Problems.Validation($"invalid JSON at {path}: {Explain(e)}", path));
        }
    }

    private static string Explain(JsonException e)
    {
        var message = e.Message;
        if (message.Contains("could not be mapped to any .NET member")) return "unknown field (check the spelling; fields are snake_case)";
        if (message.Contains("could not be converted to")) return "wrong type for this field";
        int cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
