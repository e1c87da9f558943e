using LeapEngine.Core.Models.Common;
using LeapEngine.Core.Runtime;
using LeapEngine.Core.Tests.Models;
using LeapEngine.Core.Tokenization;

namespace LeapEngine.Core.Tests.ModelSharing;

/// <summary>
/// One stories260K and one gpt2-tiny for the whole test assembly, loaded on first use and never
/// disposed (the process ends with the run).
/// <para>
/// xunit runs test classes in parallel, so these instances are READ-ONLY by rule: forward
/// passes, generation and gradients to the inputs only. A hook attached to a shared network
/// would fire inside another class's forward pass running at the same moment, and its counters
/// would count other classes' passes; so a test that attaches hooks or observers (directly or
/// through partitioning and interventions), reads the network's counters, changes its weights
/// or disposes it loads its own instance (<see cref="TestModels"/>, <see cref="OwnStoriesFixture"/>), as the product's model pool
/// leases an instance to one job at a time. A gate held by the hook users would not be enough:
/// every reader would have to hold it too, which serialises nearly all of the assembly's model
/// time on the machine's two cores.
/// </para>
/// </summary>
public static class SharedModels
{
    private static readonly Lazy<LanguageModel> LoadedStories = new(() => OwnStoriesFixture.Load("shared"));

    private static readonly Lazy<LanguageModel> LoadedGpt2Tiny = new(() =>
        ModelLoads.Record("gpt2-tiny", "shared",
            () => new LanguageModel("gpt2-tiny", TestModels.LoadGpt2Tiny(), Gpt2Tokenizer.FromTiktokenData())));

    /// <summary>stories260K (Llama, BOS) with its tokenizer, as the built-in id loads it.</summary>
    public static LanguageModel Stories => Checked(LoadedStories.Value);

    /// <summary>gpt2-tiny (GPT-2, no BOS, random weights) with the GPT-2 tokenizer.</summary>
    public static LanguageModel Gpt2Tiny => Checked(LoadedGpt2Tiny.Value);

    /// <summary>The shared model by the short name the theories use ("stories" or "gpt2").</summary>
    public static LanguageModel Get(string name) => name switch
    {
        "stories" => Stories,
        "gpt2" => Gpt2Tiny,
        _ => throw new ArgumentException($"no shared model '{name}': use \"stories\" or \"gpt2\"", nameof(name)),
    };

    /// <summary>
    /// A hook left attached or a disposed network (a test that broke the rule above, e.g. with
    /// <c>using var model = AttributionModels.Stories()</c>) would break every later test far from its
    /// cause; the next test that takes the model fails instead, saying what happened.
    /// </summary>
    private static LanguageModel Checked(LanguageModel model)
    {
        RequireNotDisposed(model.Network, model.Id);
        RequireNoHooks(model.Network, model.Id);
        return model;
    }

    /// <summary>Throws if the network's weights were freed (someone disposed the shared model).</summary>
    public static void RequireNotDisposed(TransformerModel network, string name)
    {
        if (network.TokenEmbeddings.IsInvalid)
            throw new InvalidOperationException(
                $"the shared {name} network was disposed by a test: shared models are never disposed (no `using` on them)");
    }

    /// <summary>Throws, naming every hook point that carries a hook or an observer, if any does.</summary>
    public static void RequireNoHooks(TransformerModel network, string name)
    {
        var hooked = network.HookPoints.Where(p => p.Value.HasHooks).Select(p => p.Key).ToList();
        if (hooked.Count > 0)
            throw new InvalidOperationException(
                $"the shared {name} network has hooks attached at {string.Join(", ", hooked)}: shared models are read-only; " +
                "load an own instance (TestModels, OwnStoriesFixture) to attach hooks");
    }
}
