using System.Text.Json;
using System.Text.Json.Nodes;
using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Core.Optimisation;
using LeapEngine.Core.Optimisation.Options;
using LeapEngine.Jobs;
using LeapEngine.Jobs.Optimisation;

namespace LeapEngine.Api.Tests;

/// <summary>
/// A prompt_optimisation job stores the API's result contract, not the engine's record: on the wire it is exactly what
/// the engine's record used to give (so the move changed nothing for clients), with every field named.
/// </summary>
public sealed class OptimisationResultContractTests
{
    [Theory]
    [InlineData(" ball", 20)]                      // finds a verified prompt: successes filled, first_success_step set
    [InlineData(" zebra xylophone quantum", 2)]   // finds none: the nullable fields are left out as before
    public void The_contract_serialises_exactly_as_the_engines_record_did(string target, int steps)
    {
        var request = new OptimisationRequest { Target = target, Search = new GcgOptions { SearchWidth = 16 }, Length = 3, Steps = steps, Candidates = 4, Seed = 1 };
        var engine = EngineModel.Use(model => PromptOptimiser.Run(model, request));
        var contract = PromptOptimisationJobResult.From(engine);
        Assert.Equal(JsonSerializer.Serialize(engine, LeapJson.Options), JsonSerializer.Serialize(contract, LeapJson.Options));

        var fields = JsonSerializer.SerializeToNode(contract, LeapJson.Options)!.AsObject().Select(p => p.Key).ToHashSet();
        Assert.Superset(new HashSet<string> { "target", "method", "successes", "steps_run", "work", "stopped_by_budget", "stop_reason", "summary" }, fields);
        if (engine.Successes.Count > 0)
        {
            var success = JsonSerializer.SerializeToNode(contract, LeapJson.Options)!["successes"]![0]!.AsObject();
            Assert.Superset(new HashSet<string> { "prompt_ids", "full_prompt_ids", "generation", "target_log_prob", "work" },
                success.Select(p => p.Key).ToHashSet());
        }
    }
}
