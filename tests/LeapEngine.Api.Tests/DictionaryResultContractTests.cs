using System.Collections;
using System.Reflection;
using System.Text.Json;
using LeapEngine.Jobs;
using LeapEngine.Jobs.Dictionaries.Results;
using Engine = LeapEngine.Core.Partitioning;

namespace LeapEngine.Api.Tests;

/// <summary>
/// The dictionary jobs store the API's result parts, not the engine's records: each part, mapped from an engine record
/// whose every field holds a distinct value, serialises exactly as the engine record did (so the move changed nothing
/// on the wire, and a field the mapper forgets or misplaces fails here).
/// </summary>
public sealed class DictionaryResultContractTests
{
    public static TheoryData<string> Parts => new()
    {
        nameof(DictionaryInfo), nameof(DictionaryMetrics), nameof(TokenAssignment), nameof(TextScore), nameof(OodReport),
        nameof(InterventionReport), nameof(DictionaryMatch),
    };

    [Theory]
    [MemberData(nameof(Parts))]
    public void Each_part_serialises_exactly_as_the_engines_record_did(string part)
    {
        var filler = new DistinctValues();
        (object engine, object contract) = part switch
        {
            nameof(DictionaryInfo) => Pair<Engine.DictionaryInfo>(filler, DictionaryInfo.From),
            nameof(DictionaryMetrics) => Pair<Engine.DictionaryMetrics>(filler, DictionaryMetrics.From),
            nameof(TokenAssignment) => Pair<Engine.TokenAssignment>(filler, TokenAssignment.From),
            nameof(TextScore) => Pair<Engine.TextScore>(filler, TextScore.From),
            nameof(OodReport) => Pair<Engine.OodReport>(filler, OodReport.From),
            nameof(InterventionReport) => Pair<Engine.InterventionReport>(filler, InterventionReport.From),
            _ => Pair<Engine.DictionaryMatch>(filler, DictionaryMatch.From),
        };
        Assert.Equal(JsonSerializer.Serialize(engine, LeapJson.Options), JsonSerializer.Serialize(contract, LeapJson.Options));
    }

    private static (object, object) Pair<T>(DistinctValues filler, Func<T, object> map) where T : notnull
    {
        var engine = (T)filler.Make(typeof(T));
        return (engine, map(engine));
    }

    /// <summary>Builds an instance whose every public property holds a value no other property holds (lists of two).</summary>
    private sealed class DistinctValues
    {
        private int _next = 1;

        public object Make(Type type)
        {
            type = Nullable.GetUnderlyingType(type) ?? type;
            int n = _next++;
            if (type == typeof(int)) return n;
            if (type == typeof(long)) return (long)n * 1000;
            if (type == typeof(double)) return n + 0.25;
            if (type == typeof(float)) return n + 0.5f;
            if (type == typeof(bool)) return n % 2 == 0;
            if (type == typeof(string)) return $"text{n}";
            if (type.IsEnum) { var values = Enum.GetValues(type); return values.GetValue(n % values.Length)!; }
            if (type.IsArray)
            {
                var array = Array.CreateInstance(type.GetElementType()!, 2);
                for (int i = 0; i < 2; i++) array.SetValue(Make(type.GetElementType()!), i);
                return array;
            }
            if (type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type))
            {
                var element = type.GetGenericArguments()[0];
                var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(element))!;
                for (int i = 0; i < 2; i++) list.Add(Make(element));
                return list;
            }
            var constructor = type.GetConstructors().OrderBy(c => c.GetParameters().Length).First();
            var instance = constructor.Invoke(constructor.GetParameters().Select(p => Make(p.ParameterType)).ToArray());
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
                if (constructor.GetParameters().All(p => !string.Equals(p.Name, property.Name, StringComparison.OrdinalIgnoreCase)))
                    property.SetValue(instance, Make(property.PropertyType));
            return instance;
        }
    }
}
