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
