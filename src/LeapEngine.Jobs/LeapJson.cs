using System.Text.Json;
using System.Text.Json.Serialization;
using LeapEngine.Core.Serialization;

namespace LeapEngine.Jobs;

/// <summary>
/// The engine's JSON on the wire: the product's snake_case dialect (<see cref="SnakeCase"/>: names and
/// enum values; an unknown enum value lists the valid ones), plus the API's reading rules: unknown
/// request fields refused (a misspelt option must not be silently ignored), numbers only as numbers, and a
/// polymorphic object's <c>type</c> read wherever it stands among the fields (not only first, as a hand-written body may put it).
/// </summary>
public static class LeapJson
{
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions o)
    {
        SnakeCase.Configure(o);
        o.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        o.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        o.NumberHandling = JsonNumberHandling.Strict;
        o.AllowOutOfOrderMetadataProperties = true;
        return o;
    }
}
