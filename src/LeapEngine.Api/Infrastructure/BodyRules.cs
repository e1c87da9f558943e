using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace LeapEngine.Api.Infrastructure;

/// <summary>
/// The rules every JSON request body obeys whatever its route, applied in one pass over the
/// parsed body before it is bound to a request type, so no field can forget them:
/// <list type="bullet">
/// <item>explicit <c>null</c> for a field that cannot hold null means the field is omitted (its
/// default): clients that serialise unset options as null get what they meant, and a
/// non-nullable field never holds null. A nullable field keeps its null (where it has a meaning
/// of its own, e.g. <c>max_splits_per_stage: null</c> = no limit). The request type's JSON
/// contract says which is which;</item>
/// <item>no <c>null</c> inside an array (it has no meaning in any list the API takes);</item>
/// <item>no control characters other than tab, line feed and carriage return, and no unpaired
/// surrogates, in any string: PostgreSQL refuses NUL in text, and lone surrogates cannot be
/// encoded as UTF-8, so either would fail only when the job is stored or finished;</item>
/// <item>an object with a <c>type</c> discriminator (a <c>[JsonPolymorphic]</c> contract, e.g. an optimisation's
/// <c>search</c>) names a known type, and carries only that type's fields: a field of another type is refused naming the
/// types it belongs to, not bound to nothing or reported as a misspelling;</item>
/// <item>every number is 0 or a normal 32-bit float in magnitude (about 1.2e-38 to 3.4e38): the
/// engine computes in float32, where a denormal or larger value turns into 0 or infinity
/// (<c>temperature: 1e-320</c> became a division by zero inside the sampler).</item>
/// </list>
/// Ranges that depend on the field (max_tokens, top_p...) stay with the job type's validation.
/// </summary>
public static class BodyRules
{
    /// <summary>Smallest normal float32 magnitude (2^-126).</summary>
    private const double MinNormalFloat = 1.1754943508222875e-38;

    public sealed record Violation(string Path, string Message);

    public const string UnpairedSurrogate = "the text has an unpaired surrogate; send valid Unicode";

    /// <summary>
    /// Checks <paramref name="node"/>, read as <paramref name="contract"/> (null where the shape is not known), and
    /// removes the nulls given for fields that cannot hold one; returns the first violation, or null.
    /// </summary>
    public static Violation? Apply(JsonNode? node, JsonTypeInfo? contract, string path)
    {
        switch (node)
        {
            case JsonObject obj:
                if (contract?.PolymorphismOptions is { } polymorphism)
                {
                    var chosen = DerivedContract(obj, contract, polymorphism, path, out var refused);
                    if (refused is not null) return refused;
                    contract = chosen;
                }
                foreach (var (name, value) in obj.ToList())
                {
                    var at = $"{path}.{name}";
                    if (CheckText(name, at) is { } badName) return badName;
                    var property = Find(contract, name);
                    if (value is null)
                    {
                        if (property is null || !property.IsSetNullable) obj.Remove(name);
                        continue;
                    }
                    var inner = property is not null ? contract!.Options.GetTypeInfo(property.PropertyType)
                        : contract is { Kind: JsonTypeInfoKind.Dictionary, ElementType: { } values } ? contract.Options.GetTypeInfo(values)
                        : null;
                    if (Apply(value, inner, at) is { } violation) return violation;
                }
                return null;
            case JsonArray array:
                var element = contract is { Kind: JsonTypeInfoKind.Enumerable, ElementType: { } type } ? contract.Options.GetTypeInfo(type) : null;
                for (int i = 0; i < array.Count; i++)
                {
                    var at = $"{path}[{i}]";
                    if (array[i] is null) return new(at, "null is not allowed inside a list; remove the element");
                    if (Apply(array[i], element, at) is { } violation) return violation;
                }
                return null;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                string text;
                // An escaped lone surrogate ("\ud800") cannot even be read as a string.
                try { text = value.GetValue<string>(); }
                catch (InvalidOperationException) { return new(path, UnpairedSurrogate); }
                return CheckText(text, path);
            case JsonValue value when value.GetValueKind() == JsonValueKind.Number:
                return CheckNumber(value.GetValue<JsonElement>(), path);
            default:
                return null;
        }
    }

    /// <summary>
    /// The contract of the derived type that <paramref name="obj"/>'s discriminator names, or a violation when it names
    /// none, an unknown one, or the object has a field of another derived type.
    /// </summary>
    private static JsonTypeInfo? DerivedContract(JsonObject obj, JsonTypeInfo contract, JsonPolymorphismOptions polymorphism, string path,
        out Violation? refused)
    {
        refused = null;
        string discriminator = polymorphism.TypeDiscriminatorPropertyName;
        var types = polymorphism.DerivedTypes.Where(d => d.TypeDiscriminator is string)
            .Select(d => (Name: (string)d.TypeDiscriminator!, Contract: contract.Options.GetTypeInfo(d.DerivedType))).ToList();
        string known = string.Join(", ", types.Select(t => t.Name));
        if (obj[discriminator] is not JsonValue tag || tag.GetValueKind() != JsonValueKind.String)
        {
            refused = new($"{path}.{discriminator}", $"give {discriminator} as one of: {known}");
            return null;
        }
        string name = tag.GetValue<string>();
        var chosen = types.FirstOrDefault(t => t.Name == name).Contract;
        if (chosen is null)
        {
            refused = new($"{path}.{discriminator}", $"unknown {discriminator} '{name}'; use one of: {known}");
            return null;
        }
        foreach (var (field, _) in obj)
        {
            if (field == discriminator || Find(chosen, field) is not null) continue;
            var owners = types.Where(t => Find(t.Contract, field) is not null).Select(t => t.Name).ToList();
            if (owners.Count > 0)
            {
                refused = new($"{path}.{field}", $"{field} is an option of {discriminator} {string.Join(" and ", owners)}, not {name}: remove it or change {discriminator}");
                return null;
            }
        }
        return chosen;
    }

    /// <summary>The property a JSON name binds to (names match case-insensitively, as the reader binds them).</summary>
    private static JsonPropertyInfo? Find(JsonTypeInfo? contract, string name) =>
        contract is { Kind: JsonTypeInfoKind.Object }
            ? contract.Properties.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
            : null;

    private static Violation? CheckText(string text, string path)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }
            if (char.IsSurrogate(c))
                return new(path, $"the text has an unpaired surrogate (U+{(int)c:X4}) at character {i}; send valid Unicode");
            if (char.IsControl(c) && c is not ('\t' or '\n' or '\r') && c < 0x80)
                return new(path, $"the text has the control character U+{(int)c:X4} at character {i}; only tab, line feed and carriage return are accepted");
        }
        return null;
    }

    private static Violation? CheckNumber(JsonElement number, string path)
    {
        // Integers that fit a long are always representable; anything else is read as a double.
        if (number.TryGetInt64(out _)) return null;
        if (!number.TryGetDouble(out var value) || !double.IsFinite(value))
            return new(path, "the number is out of range");
        double magnitude = Math.Abs(value);
        if (magnitude != 0 && magnitude < MinNormalFloat)
            return new(path, "the number is too close to 0 to compute with (below 1.2e-38 in magnitude); send 0 or a larger value");
        if (magnitude > float.MaxValue) return new(path, "the number is too large (above 3.4e38 in magnitude)");
        return null;
    }
}
