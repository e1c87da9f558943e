using System.ComponentModel.DataAnnotations;

namespace LeapEngine.Core.Optimisation.Options;

/// <summary>
/// Greedy coordinate gradient (Zou et al. 2023): exact search over single-token swaps ranked by the one-hot gradient. As
/// a search of its own, and as the GCG every hybrid variant runs (<see cref="HybridOptions.Gcg"/>).
/// </summary>
public sealed record GcgOptions : SearchOptions
{
    /// <summary>Limits on what one request may ask for (bounded work per step).</summary>
    public const int MaxTopK = 4096, MaxSearchWidth = 4096;

    public override OptimisationMethod Method => OptimisationMethod.Gcg;

    /// <summary>Substitutions kept per position from the one-hot gradient.</summary>
    [Range(1, MaxTopK, ErrorMessage = DeclaredBounds.Between)]
    public int TopK { get; init; } = 32;

    /// <summary>Single-substitution candidates evaluated exactly per prompt per step.</summary>
    [Range(1, MaxSearchWidth, ErrorMessage = DeclaredBounds.Between)]
    public int SearchWidth { get; init; } = 64;
}
