using System.Collections;
using System.Reflection;
using System.Text.Json;
using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Core.Attribution;
using LeapEngine.Jobs;
using LeapEngine.Jobs.Attribution.Results;
using LeapEngine.Jobs.Checks;
using LeapEngine.Jobs.Dictionaries;
using LeapEngine.Jobs.Optimisation;

namespace LeapEngine.Api.Tests;

/// <summary>
/// A white-box attribution job stores the API's result contract, not the engine's record: on the wire it is exactly
/// what the engine's record gave (so the move changed nothing for clients or the viewer), and no stored result type
/// reaches into Core for anything but an enum, so a Core rename cannot change the wire.
/// </summary>
public sealed class AttributionResultContractTests
{
    public static TheoryData<string> Requests => new() { "itp", "hipe" };

    [Theory]
    [MemberData(nameof(Requests))]
    public void The_contract_serialises_exactly_as_the_engines_record_did(string method)
    {
        // ItP by word with a system prompt (system figures, segments); HiPe by token with faithfulness (chunks, curves, ERASER).
        var request = method == "itp"
            ? new AttributionRequest { System = "Lily had a red ball.", Text = "One day, Lily", MaxNewTokens = 4 }
            : new AttributionRequest { Text = "The cat sat on the mat.", Completion = " The cat", Method = "hipe", Unit = "token", Faithfulness = true };
        var engine = EngineModel.Use(model => AttributionEngine.Run(model, request));
        Assert.True(method == "itp" ? engine.SystemPrompt is not null : engine is { HipeChunks.Count: > 0, Faithfulness.Eraser.Count: > 0 });

        var contract = AttributionJobResult.From(engine);
        Assert.Equal(JsonSerializer.Serialize(engine, LeapJson.Options), JsonSerializer.Serialize(contract, LeapJson.Options));
    }

    public static TheoryData<Type> StoredResults => new()
    {
        typeof(AttributionJobResult), typeof(PromptOptimisationJobResult), typeof(InfluenceCheckResult), typeof(DictionaryBuildResult),
        typeof(DictionaryAssignResult), typeof(DictionaryScoreResult), typeof(DictionaryInterventionResult), typeof(DictionaryMatchResult),
    };

    [Theory]
    [MemberData(nameof(StoredResults))]
    public void A_stored_result_type_uses_no_core_type_but_enums(Type result)
    {
        var core = typeof(AttributionEngine).Assembly;
        var leaks = new List<string>();
        var seen = new HashSet<Type>();
        void Walk(Type type, string path)
        {
            type = Nullable.GetUnderlyingType(type) ?? type;
            if (type.IsArray) { Walk(type.GetElementType()!, path + "[]"); return; }
            if (type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type))
            {
                foreach (var argument in type.GetGenericArguments()) Walk(argument, path + "[]");
                return;
            }
            if (!seen.Add(type) || type.IsPrimitive || type.IsEnum || type == typeof(string)) return;
            if (type.Assembly == core) leaks.Add($"{path}: {type.FullName}");
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
                Walk(property.PropertyType, $"{path}.{property.Name}");
        }
        Walk(result, result.Name);
        Assert.True(leaks.Count == 0, "Core types on the wire:\n" + string.Join('\n', leaks));
    }
}
