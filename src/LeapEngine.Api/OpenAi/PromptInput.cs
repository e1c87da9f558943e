using System.Text.Json;
using System.Text.Json.Serialization;

namespace LeapEngine.Api.OpenAi;

/// <summary>
/// A completions <c>prompt</c>: a string, a list of strings, a list of token ids, or a list of lists of token ids.
/// Each element is one prompt; token ids are used as given (no BOS added).
/// </summary>
[JsonConverter(typeof(PromptInputConverter))]
public sealed class PromptInput(IReadOnlyList<string>? texts, IReadOnlyList<IReadOnlyList<int>>? tokens)
{
    public IReadOnlyList<string>? Texts { get; } = texts;
    public IReadOnlyList<IReadOnlyList<int>>? Tokens { get; } = tokens;
    public int Count => Texts?.Count ?? Tokens!.Count;
}

public sealed class PromptInputConverter : JsonConverter<PromptInput>
{
    private const string Shape = "prompt must be a string, a list of strings, a list of token ids or a list of lists of token ids";

    public override PromptInput Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String) return new([reader.GetString()!], null);
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException(Shape);
        using var doc = JsonDocument.ParseValue(ref reader);
        var items = doc.RootElement.EnumerateArray().ToList();
        if (items.Count == 0) throw new JsonException("prompt is an empty list; give at least one prompt");
        if (items.All(i => i.ValueKind == JsonValueKind.String)) return new(items.Select(i => i.GetString()!).ToList(), null);
        if (items.All(i => i.ValueKind == JsonValueKind.Number)) return new(null, [items.Select(Id).ToList()]);
        if (items.All(i => i.ValueKind == JsonValueKind.Array))
            return new(null, items.Select(list => (IReadOnlyList<int>)list.EnumerateArray().Select(Id).ToList()).ToList());
        throw new JsonException(Shape);
    }

    private static int Id(JsonElement e) =>
        e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var id) ? id : throw new JsonException("a token id must be an integer");

    public override void Write(Utf8JsonWriter writer, PromptInput value, JsonSerializerOptions options)
    {
        if (value.Texts is { } texts) JsonSerializer.Serialize(writer, texts, options);
        else JsonSerializer.Serialize(writer, value.Tokens, options);
    }
}
