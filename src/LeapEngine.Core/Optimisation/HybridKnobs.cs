namespace LeapEngine.Core.Optimisation;

/// <summary>The hybrid's knobs that only some of its variants read (the rest of a request applies to every variant).</summary>
public enum HybridKnob
{
    /// <summary><see cref="OptimisationRequest.HybridDescentSteps"/>.</summary>
    DescentSteps,
    /// <summary><see cref="OptimisationRequest.HybridNearestTokens"/>.</summary>
    NearestTokens,
    /// <summary><see cref="OptimisationRequest.HybridDescentFraction"/>.</summary>
    DescentFraction,
    /// <summary><see cref="OptimisationRequest.HybridBestReadouts"/>.</summary>
    BestReadouts,
}

/// <summary>
/// Which hybrid variants read each <see cref="HybridKnob"/>: the one table that the API's per-variant options and the
/// CLI consult to refuse a knob that the chosen variant would silently ignore.
/// </summary>
public static class HybridKnobs
{
    /// <summary>The variants whose search reads <paramref name="knob"/>, in declaration order.</summary>
    public static IReadOnlyList<HybridVariant> ReadBy(HybridKnob knob) => knob switch
    {
        // SearchPhases.Gcg (interleaved) and ReseedHybrid take this many descent steps per GCG step.
        HybridKnob.DescentSteps => [HybridVariant.Chain, HybridVariant.Anchored, HybridVariant.Reseed],
        // Only DescentProposer.Propose reads it; the reseed hybrid scores whole readouts instead.
        HybridKnob.NearestTokens => [HybridVariant.Chain, HybridVariant.Anchored],
        // HybridSearch's descent phase: the other variants have none.
        HybridKnob.DescentFraction or HybridKnob.BestReadouts => [HybridVariant.Sequential],
        _ => throw new ArgumentOutOfRangeException(nameof(knob), knob, "unknown hybrid knob"),
    };

    public static bool Reads(this HybridVariant variant, HybridKnob knob) => ReadBy(knob).Contains(variant);
}
