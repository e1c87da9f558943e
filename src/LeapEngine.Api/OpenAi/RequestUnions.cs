using System.Text.Json;
using System.Text.Json.Serialization;

namespace LeapEngine.Api.OpenAi;

/// <summary>OpenAI's <c>stop</c>: one string or a list of strings, read as a list.</summary>
[JsonConverter(typeof(StopSequencesConverter))]
public sealed class StopSequences(IReadOnlyList<string> values)
{
    public IReadOnlyList<string> Values { get; } = values;
}

public sealed class StopSequencesConverter : JsonConverter<StopSequences>
{
    public override StopSequences Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String => new([reader.GetString()!]),
        JsonTokenType.StartArray => new(JsonSerializer.Deserialize<List<string>>(ref reader, options)!),
        _ => throw new JsonException("stop must be a string or a list of strings"),
    };

    public override void Write(Utf8JsonWriter writer, StopSequences value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value.Values, options);
}

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

/// <summary>A chat message's <c>content</c>: a string, or a list of parts of which only text parts are taken.</summary>
[JsonConverter(typeof(MessageContentConverter))]
public sealed class MessageContent(string text)
{
    public string Text { get; } = text;
}

public sealed class MessageContentConverter : JsonConverter<MessageContent>
{
    public override MessageContent Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String) return new(reader.GetString()!);
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("content must be a string or a list of text parts");
        using var doc = JsonDocument.ParseValue(ref reader);
        var text = new System.Text.StringBuilder();
        foreach (var part in doc.RootElement.EnumerateArray())
        {
            if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out var type) || type.GetString() != "text"
                || !part.TryGetProperty("text", out var value) || value.ValueKind != JsonValueKind.String)
                throw new JsonException("only text content parts ({\"type\": \"text\", \"text\": \"...\"}) are supported");
            text.Append(value.GetString());
        }
        return new(text.ToString());
    }

    public override void Write(Utf8JsonWriter writer, MessageContent value, JsonSerializerOptions options) => writer.WriteStringValue(value.Text);
}
