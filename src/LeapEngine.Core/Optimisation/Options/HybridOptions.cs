using System.ComponentModel.DataAnnotations;

namespace LeapEngine.Core.Optimisation.Options;

/// <summary>
/// Descent and GCG together, one sealed type per <see cref="HybridVariant"/>: <see cref="SequentialHybridOptions"/>,
/// <see cref="ChainHybridOptions"/>, <see cref="AnchoredHybridOptions"/>, <see cref="ReseedHybridOptions"/>. Every
/// variant runs GCG (<see cref="Gcg"/>) and a descent (<see cref="Descent"/>); the knobs only some variants read live
/// on those variants' types (which is also what <see cref="HybridKnobs"/> reports to the API and the CLI).
/// </summary>
public abstract record HybridOptions : SearchOptions
{
    /// <summary>Limits on the variants' knobs (bounded work per step).</summary>
    public const int MaxDescentSteps = 16, MaxNearestTokens = 64, MaxStallSteps = 1000;

    private protected HybridOptions(DescentOptions descent) => Descent = descent;

    public override OptimisationMethod Method => OptimisationMethod.Hybrid;

    /// <summary>Which variant these options run.</summary>
    public abstract HybridVariant Variant { get; }

    /// <summary>The GCG that every variant runs (its top-k and search width).</summary>
    [Required(ErrorMessage = DeclaredBounds.Required)]
    public GcgOptions Gcg { get; init; } = new();

    /// <summary>The descent beside or before GCG (its learning rate and nearest-token weight).</summary>
    [Required(ErrorMessage = DeclaredBounds.Required)]
    public DescentOptions Descent { get; init; }

    /// <summary>Descent steps taken per GCG step, counted in GCG's step cost (0 where descent has a phase of its own).</summary>
    internal virtual int DescentStepsPerGcgStep => 0;

    /// <summary>The default options of <paramref name="variant"/>.</summary>
    public static HybridOptions Of(HybridVariant variant) => variant switch
    {
        HybridVariant.Sequential => new SequentialHybridOptions(),
        HybridVariant.Chain => new ChainHybridOptions(),
        HybridVariant.Anchored => new AnchoredHybridOptions(),
        HybridVariant.Reseed => new ReseedHybridOptions(),
        _ => throw new ArgumentException($"unknown hybrid variant {variant}"),
    };

    internal override void Validate(string path)
    {
        base.Validate(path);
        Gcg.Validate($"{path}.{nameof(Gcg)}");
        Descent.Validate($"{path}.{nameof(Descent)}");
    }
}
