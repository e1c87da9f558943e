using System.ComponentModel.DataAnnotations;
using LeapEngine.Core.Optimisation;
using LeapEngine.Core.Optimisation.Options;
using LeapEngine.Core.Serialization;
using LeapEngine.Jobs.Handlers;

namespace LeapEngine.Jobs.Optimisation.Search;

/// <summary>
/// Descent and GCG together, in one of four variants. Each knob applies to the variants its description names: given
/// for another variant it is a 400 naming it (not silently ignored); left out, it takes its default.
/// </summary>
/// <remarks>Which variant reads which knob is the engine's table, <see cref="HybridKnobs"/>, applied by <see cref="ReadByVariantsAttribute"/>.</remarks>
public sealed class HybridSearchOptions : PromptSearchOptions
{
    /// <summary>The variant of the engine's default search (<see cref="OptimisationRequest.Search"/>), which a request without search runs.</summary>
    internal const HybridVariant DefaultVariant = HybridVariant.Anchored;

    /// <summary>anchored (default), chain, reseed or sequential.</summary>
    public string Variant { get; set; } = SnakeCase.Name(DefaultVariant);

    /// <summary>Every variant's GCG: single-token substitutions scored per prompt per step, 1 to 256 (default 64).</summary>
    [Range(1, MaxSearchWidth, ErrorMessage = Between)]
    public int? SearchWidth { get; set; }

    /// <summary>Anchored, chain and reseed hybrids: descent steps per GCG step, 1 to 16 (default 1).</summary>
    [Range(1, HybridOptions.MaxDescentSteps, ErrorMessage = Between)]
    [ReadByVariants(HybridKnob.DescentSteps)]
    public int? DescentSteps { get; set; }

    /// <summary>Anchored and chain hybrids: tokens nearest descent's point offered per position as substitutions, 1 to 64 (default 4).</summary>
    [Range(1, HybridOptions.MaxNearestTokens, ErrorMessage = Between)]
    [ReadByVariants(HybridKnob.NearestTokens)]
    public int? NearestTokens { get; set; }

    /// <summary>Sequential hybrid: the share of steps (and budget) spent on descent, strictly between 0 and 1 (default 0.3).</summary>
    [Range(0.0, 1.0, MinimumIsExclusive = true, MaximumIsExclusive = true, ErrorMessage = "{0} must lie strictly between {1} and {2}")]
    [ReadByVariants(HybridKnob.DescentFraction)]
    public double? DescentFraction { get; set; }

    /// <summary>Sequential hybrid: start GCG from the best descent readouts by exact loss (default false).</summary>
    [ReadByVariants(HybridKnob.BestReadouts)]
    public bool? BestReadouts { get; set; }

    /// <summary>The variant named by <see cref="Variant"/>; an unknown word is a 400 that lists the valid ones.</summary>
    internal HybridVariant ParsedVariant() => PromptOptimisationJobRequest.Parse<HybridVariant>("search.variant", Variant);

    /// <summary>
    /// The variant's own options type with the knobs given here. A knob of another variant never gets this far
    /// (<see cref="ReadByVariantsAttribute"/> refuses it at submission), and the engine's types have nowhere to put it.
    /// </summary>
    public override SearchOptions ToEngine()
    {
        HybridOptions hybrid = HybridOptions.Of(ParsedVariant()) switch
        {
            SequentialHybridOptions s => s with { DescentFraction = DescentFraction ?? s.DescentFraction, BestReadouts = BestReadouts ?? s.BestReadouts },
            InterleavedHybridOptions i => i with { DescentSteps = DescentSteps ?? i.DescentSteps, NearestTokens = NearestTokens ?? i.NearestTokens },
            ReseedHybridOptions r => r with { DescentSteps = DescentSteps ?? r.DescentSteps },
            var other => throw new InvalidOperationException($"no wire mapping for {other.GetType().Name}"),
        };
        return hybrid with { Gcg = hybrid.Gcg with { SearchWidth = SearchWidth ?? hybrid.Gcg.SearchWidth } };
    }
}
