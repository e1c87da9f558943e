using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LeapEngine.Core.Serialization;

/// <summary>
/// The product's one JSON dialect, shared by everything that writes JSON (the API, `leap ... --json`,
/// a dictionary file's metadata): snake_case names and enum values as the API spells them
/// (<c>batched_prefix_cache</c>, <c>all_but_bos</c>). Kept in Core because the dictionary file and the
/// CLI write JSON without the API's assemblies.
/// </summary>
public static class SnakeCase
{
    /// <summary>Indented, for files and terminals.</summary>
    public static JsonSerializerOptions Indented { get; } = Configure(new JsonSerializerOptions { WriteIndented = true });

    /// <summary>One line, for stored metadata.</summary>
    public static JsonSerializerOptions Compact { get; } = Configure(new JsonSerializerOptions());

    /// <summary>Adds the dialect (names, enum values) to <paramref name="o"/>; stricter readers (the API) add their own rules.</summary>
    public static JsonSerializerOptions Configure(JsonSerializerOptions o)
    {
        o.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        o.DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower;
        o.Converters.Add(new SnakeCaseEnumConverter());
        return o;
    }

    /// <summary>An enum value as the API spells it: <c>BatchedPrefixCache</c> → <c>batched_prefix_cache</c>.</summary>
    public static string Name<T>(T value) where T : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    /// <summary>Every value of <typeparamref name="T"/> as the API spells it, in declaration order.</summary>
    public static IReadOnlyList<string> Names<T>() where T : struct, Enum => Names(typeof(T));

    public static IReadOnlyList<string> Names(Type enumType) =>
        NameCache.GetOrAdd(enumType, t => Enum.GetNames(t).Select(JsonNamingPolicy.SnakeCaseLower.ConvertName).ToArray());

    /// <summary>
    /// Parses an API spelling (<c>batched_prefix_cache</c>); the enum's own name (<c>BatchedPrefixCache</c>) is also accepted
    /// so files and scripts written before the dialect was one keep working. Numbers are refused.
    /// </summary>
    public static bool TryParse<T>(string? text, out T value) where T : struct, Enum
    {
        value = default;
        if (TryParse(typeof(T), text, out var boxed)) { value = (T)boxed!; return true; }
        return false;
    }

    public static bool TryParse(Type enumType, string? text, out object? value)
    {
        value = null;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var names = Enum.GetNames(enumType);
        var snake = Names(enumType);
        for (int i = 0; i < names.Length; i++)
            if (string.Equals(snake[i], text, StringComparison.OrdinalIgnoreCase) || string.Equals(names[i], text, StringComparison.Ordinal))
            {
                value = Enum.Parse(enumType, names[i]);
                return true;
            }
        return false;
    }

    /// <summary>"unknown metric 'cosin'; use one of: cosine, euclidean" — what an enum error says, in the API and the CLI.</summary>
    public static string UnknownValue(Type enumType, string what, string? text) =>
        $"unknown {what} '{text}'; use one of: {string.Join(", ", Names(enumType))}";

    public static T Parse<T>(string? text, string what) where T : struct, Enum =>
        TryParse<T>(text, out var value) ? value : throw new ArgumentException(UnknownValue(typeof(T), what, text));

    private static readonly ConcurrentDictionary<Type, string[]> NameCache = new();
}

/// <summary>Enums as snake_case strings; an unknown value is a JSON error that lists the valid ones.</summary>
public sealed class SnakeCaseEnumConverter : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(Converter<>).MakeGenericType(typeToConvert))!;

    private sealed class Converter<T> : JsonConverter<T> where T : struct, Enum
    {
        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            if (SnakeCase.TryParse<T>(text, out var value)) return value;
            throw new JsonException(SnakeCase.UnknownValue(typeof(T), "value", text ?? reader.TokenType.ToString().ToLowerInvariant()));
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(SnakeCase.Name(value));

        public override T ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            SnakeCase.TryParse<T>(reader.GetString(), out var value) ? value
                : throw new JsonException(SnakeCase.UnknownValue(typeof(T), "key", reader.GetString()));

        public override void WriteAsPropertyName(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
            writer.WritePropertyName(SnakeCase.Name(value));
    }
}
