using System.Text;
using System.Text.Json.Nodes;

namespace LeapEngine.Api.Tests.Fuzzing;

/// <summary>
/// Turns a route's valid example body into a bad or edge-case one, by category. Deterministic
/// for a seed, so a failing case printed by CsCheck can be replayed. Values that JSON cannot
/// carry as a node (NaN tokens, denormal literals, deep nesting, repeated keys, lone
/// surrogates) are spliced into the text through placeholders.
/// </summary>
public static class BodyMutator
{
    public static readonly string[] Categories =
    [
        "wrong_type", "null_field", "null_in_array", "huge_string", "control_chars", "nan_like", "denormal",
        "extreme_number", "duplicate_key", "deep_nesting", "missing_fields", "unknown_field", "malformed", "edge_valid",
    ];

    private static readonly string[] NanLike = ["NaN", "Infinity", "-Infinity", "\"NaN\"", "\"Infinity\"", "\"-Infinity\"", "1e999", "-1e999", "-0", "nan"];
    private static readonly string[] Denormals = ["5e-324", "4.9e-324", "-5e-324", "1e-310", "2.2250738585072014e-308", "1e-40", "1e-45", "-1e-320", "1e-320"];
    private static readonly string[] Extremes =
    [
        "-1", "0", "-2147483649", "2147483647", "2147483648", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
        "1e308", "-1e308", "1.7976931348623157e308", "3.5e38", "1e39", "0.5", "1.0000000000000002", "123456789.123", "1E2", "-0.0",
        "100000000000000000000000000000000000000000000",
    ];
    private static readonly string[] ControlChars = ["\\u0000", "\\u0001", "\\u001f", "\\u007f", "\\ud800", "\\udfff", "\\u2028", "\\ufeff", "\\ufffe", "\\b", "\\f"];
    private static readonly string[] WrongValues = ["123", "-5", "1.5", "true", "false", "\"text\"", "\"\"", "[]", "{}", "[1,\"a\",null]", "{\"a\":1}"];
    private static readonly string[] EdgeNumbers = ["0", "1", "2", "3", "4", "8", "16", "32", "64", "0.5", "0.01", "1.0", "-1", "256", "1000"];
    private static readonly string[] EdgeTexts = ["", " ", "Once upon a time", "Tom saw a big dog.", "a", "é", "🙂", "\\t\\n", " ball", "blocks.0.hook_resid_post"];

    /// <summary>The body text for <paramref name="category"/> on <paramref name="route"/>.</summary>
    public static string Make(FuzzRoute route, string category, int seed)
    {
        var random = new Random(seed);
        var body = route.Example?.DeepClone() ?? new JsonObject();
        var raws = new List<string>();
        string Raw(string token)
        {
            raws.Add(token);
            return $"__RAW_{raws.Count - 1}__";
        }
        var slots = Slots(body, route, route.Schema);
        (JsonNode Parent, string? Name, int Index, JsonObject? Schema) Pick() => slots.Count == 0
            ? (body, "model", -1, null)
            : slots[random.Next(slots.Count)];
        void Set((JsonNode Parent, string? Name, int Index, JsonObject? Schema) slot, JsonNode? value)
        {
            if (slot.Parent is JsonObject o) o[slot.Name!] = value;
            else if (slot.Parent is JsonArray a) a[slot.Index] = value;
        }

        switch (category)
        {
            case "wrong_type":
                Set(Pick(), Raw(WrongValues[random.Next(WrongValues.Length)]));
                break;
            case "null_field":
                for (int i = 0, n = 1 + random.Next(3); i < n; i++) Set(Pick(), null);
                break;
            case "null_in_array":
            {
                var arrays = slots.Where(s => Current(s) is JsonArray).ToList();
                if (arrays.Count > 0 && random.Next(2) == 0)
                {
                    var array = (JsonArray)Current(arrays[random.Next(arrays.Count)])!;
                    array.Insert(random.Next(array.Count + 1), null);
                }
                else Set(Pick(), new JsonArray(null, JsonValue.Create("x")));
                break;
            }
            case "huge_string":
                // Around the test API's 64 KiB body limit: below it validation must refuse, above it 413.
                Set(Pick(), new string((char)('a' + random.Next(26)), new[] { 5_000, 20_000, 60_000, 70_000 }[random.Next(4)]));
                break;
            case "control_chars":
            {
                var text = new StringBuilder("Once");
                for (int i = 0, n = 1 + random.Next(3); i < n; i++) text.Append(ControlChars[random.Next(ControlChars.Length)]).Append('x');
                Set(Pick(), Raw($"\"{text}\""));
                break;
            }
            case "nan_like":
                Set(Pick(), Raw(NanLike[random.Next(NanLike.Length)]));
                break;
            case "denormal":
                Set(Pick(), Raw(Denormals[random.Next(Denormals.Length)]));
                break;
            case "extreme_number":
                for (int i = 0, n = 1 + random.Next(2); i < n; i++) Set(Pick(), Raw(Extremes[random.Next(Extremes.Length)]));
                break;
            case "duplicate_key":
            {
                var objects = slots.Where(s => s.Parent is JsonObject).ToList();
                var slot = objects.Count > 0 ? objects[random.Next(objects.Count)] : (body, "model", -1, null);
                var name = random.Next(3) == 0 ? slot.Name!.ToUpperInvariant() : slot.Name!;
                // A second "key": value pair is spliced in after the first (a JSON node cannot hold a key twice).
                var owner = (JsonObject)slot.Parent;
                if (!owner.ContainsKey(slot.Name!)) owner[slot.Name!] = 1;
                raws.Add($"\"{name}\":{Extremes[random.Next(Extremes.Length)]}");
                owner[$"__DUP_{raws.Count - 1}__"] = 0;
                break;
            }
            case "deep_nesting":
            {
                int depth = new[] { 10, 63, 64, 65, 200, 2_000 }[random.Next(6)];
                var (open, close) = random.Next(2) == 0 ? ("[", "]") : ("{\"a\":", "}");
                Set(Pick(), Raw(string.Concat(Enumerable.Repeat(open, depth)) + "1" + string.Concat(Enumerable.Repeat(close, depth))));
                break;
            }
            case "missing_fields":
                if (random.Next(4) == 0) body = new JsonObject();
                else
                    foreach (var slot in slots.Where(s => s.Parent is JsonObject).ToList())
                        if (random.Next(2) == 0) ((JsonObject)slot.Parent).Remove(slot.Name!);
                break;
            case "unknown_field":
            {
                var slot = Pick();
                var target = slot.Parent as JsonObject ?? body as JsonObject;
                var name = random.Next(2) == 0 && slot.Name is { Length: > 1 } n ? n[..^1] : $"x_{random.Next(1000)}";
                if (target is not null && !target.ContainsKey(name)) target[name] = 1;
                break;
            }
            case "malformed":
            {
                var text = body.ToJsonString();
                return random.Next(5) switch
                {
                    0 => text[..random.Next(text.Length)],
                    1 => "[" + text + "]",
                    2 => new[] { "null", "true", "0", "\"x\"", "", " ", "{", "}", "{}}" }[random.Next(9)],
                    3 => text.Replace(":", "=", StringComparison.Ordinal),
                    _ => text + "\u0000",
                };
            }
            case "edge_valid":
                for (int i = 0, n = 1 + random.Next(3); i < n; i++)
                {
                    var slot = Pick();
                    var schema = slot.Schema;
                    Set(slot, Current(slot) switch
                    {
                        _ when schema?["enum"] is JsonArray { Count: > 0 } values => values[random.Next(values.Count)]!.DeepClone(),
                        JsonValue v when v.TryGetValue<string>(out _) => Raw($"\"{EdgeTexts[random.Next(EdgeTexts.Length)]}\""),
                        JsonValue v when v.TryGetValue<bool>(out _) => random.Next(2) == 0,
                        JsonValue => Raw(EdgeNumbers[random.Next(EdgeNumbers.Length)]),
                        var other => other?.DeepClone(),
                    });
                }
                break;
        }

        var json = body.ToJsonString();
        for (int i = 0; i < raws.Count; i++)
            json = json.Replace($"\"__RAW_{i}__\"", raws[i]).Replace($"\"__DUP_{i}__\":0", raws[i]);
        return json;
    }

    private static JsonNode? Current((JsonNode Parent, string? Name, int Index, JsonObject? Schema) slot) =>
        slot.Parent is JsonObject o ? o[slot.Name!] : ((JsonArray)slot.Parent)[slot.Index];

    /// <summary>Every place a value sits in the body (and the schema's properties the example leaves out), with its schema.</summary>
    private static List<(JsonNode Parent, string? Name, int Index, JsonObject? Schema)> Slots(JsonNode body, FuzzRoute route, JsonObject? schema)
    {
        var slots = new List<(JsonNode, string?, int, JsonObject?)>();
        void Walk(JsonNode node, JsonObject? nodeSchema)
        {
            if (node is JsonObject obj)
            {
                var names = obj.Select(kv => kv.Key).ToList();
                if (FuzzRoute.Resolve(nodeSchema, route.Components)?["properties"] is JsonObject properties)
                    names.AddRange(properties.Select(kv => kv.Key).Where(k => !obj.ContainsKey(k)));
                foreach (var name in names)
                {
                    var propertySchema = route.PropertySchema(nodeSchema, name);
                    slots.Add((obj, name, -1, propertySchema));
                    if (obj[name] is { } child) Walk(child, propertySchema);
                }
            }
            else if (node is JsonArray array)
            {
                var items = FuzzRoute.Resolve(FuzzRoute.Resolve(nodeSchema, route.Components)?["items"], route.Components);
                for (int i = 0; i < array.Count; i++)
                {
                    slots.Add((array, null, i, items));
                    if (array[i] is { } child) Walk(child, items);
                }
            }
        }
        Walk(body, schema);
        return slots;
    }
}
