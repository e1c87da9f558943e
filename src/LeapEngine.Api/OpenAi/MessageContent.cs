using System.Text.Json;
using System.Text.Json.Serialization;

namespace LeapEngine.Api.OpenAi;

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
