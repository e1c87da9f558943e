using System.ComponentModel.DataAnnotations;

namespace LeapEngine.Core.Optimisation.Options;

/// <summary>Descent for a share of the steps (and budget), then GCG from its readouts.</summary>
public sealed record SequentialHybridOptions : HybridOptions
{
    public SequentialHybridOptions() : base(new DescentOptions()) { }

    public override HybridVariant Variant => HybridVariant.Sequential;

    /// <summary>The share of the request's steps (and of a work budget) spent on descent before switching to GCG.</summary>
    [Range(0d, 1d, MinimumIsExclusive = true, MaximumIsExclusive = true, ErrorMessage = DeclaredBounds.StrictlyBetween)]
    public double DescentFraction { get; init; } = 0.3;

    /// <summary>
    /// Score every descent readout exactly (one forward per candidate per step, counted as work) and start GCG from the
    /// best distinct readouts seen, not the last ones.
    /// </summary>
    public bool BestReadouts { get; init; }
}

/// <summary>
/// GCG throughout, with descent's nearest tokens among its exactly scored trials (<see cref="ChainHybridOptions"/>:
/// from an independent descent run; <see cref="AnchoredHybridOptions"/>: from descent restarted at GCG's tokens).
/// </summary>
public abstract record InterleavedHybridOptions : HybridOptions
{
    /// <summary>The learning rate of descent's proposal steps unless set: a step must be long enough to leave the current token.</summary>
    public const double ProposalLearningRate = 0.3;

    private protected InterleavedHybridOptions() : base(new DescentOptions { LearningRate = ProposalLearningRate }) { }

    /// <summary>Descent steps per GCG step (each costs a gradient pass over the candidates).</summary>
    [Range(1, MaxDescentSteps, ErrorMessage = DeclaredBounds.Between)]
    public int DescentSteps { get; init; } = 1;

    /// <summary>Tokens nearest descent's final point offered per position as single substitutions (1: the nearest only).</summary>
    [Range(1, MaxNearestTokens, ErrorMessage = DeclaredBounds.Between)]
    public int NearestTokens { get; init; } = 4;

    /// <summary>
    /// Ablation for the benchmark only: propose random allowed tokens in place of descent's readouts (same trial
    /// structure, same counted work), to measure whether descent's proposals carry information.
    /// </summary>
    internal bool AblateRandomProposals { get; init; }

    /// <summary>Benchmark only (not better in development runs): descent scores its nearest-token readout and applies that gradient to its free vectors (straight-through, as in PEZ).</summary>
    internal bool StraightThrough { get; init; }

    internal override int DescentStepsPerGcgStep => DescentSteps;
}

/// <summary>GCG throughout, next to an independent descent run: each GCG step the run takes <see cref="InterleavedHybridOptions.DescentSteps"/> steps and its nearest tokens join GCG's trials.</summary>
public sealed record ChainHybridOptions : InterleavedHybridOptions
{
    public override HybridVariant Variant => HybridVariant.Chain;
}

/// <summary>
/// GCG throughout; every step, descent starts at GCG's current tokens, takes <see cref="InterleavedHybridOptions.DescentSteps"/>
/// steps, and the tokens nearest where it lands (<see cref="InterleavedHybridOptions.NearestTokens"/> per position) join GCG's
/// trials. The default search: on stories260K at 300k forward-token equivalents it solved more held-out targets than GCG
/// or descent alone (docs/prompt-optimisation.md); the sequential hybrid never did.
/// </summary>
public sealed record AnchoredHybridOptions : InterleavedHybridOptions
{
    public override HybridVariant Variant => HybridVariant.Anchored;
}

/// <summary>
/// GCG throughout, with descent as a cheap explorer beside it: each GCG step an independent descent run takes
/// <see cref="DescentSteps"/> steps whose readouts are verified like descent's own and scored exactly into a pool; a GCG
/// candidate whose exact loss has not improved for <see cref="StallSteps"/> steps restarts from the best readout in the
/// pool not handed out before.
/// </summary>
public sealed record ReseedHybridOptions : HybridOptions
{
    public ReseedHybridOptions() : base(new DescentOptions()) { }

    public override HybridVariant Variant => HybridVariant.Reseed;

    /// <summary>Descent steps per GCG step (each a gradient pass and the exact scores of its readouts).</summary>
    [Range(1, MaxDescentSteps, ErrorMessage = DeclaredBounds.Between)]
    public int DescentSteps { get; init; } = 1;

    /// <summary>GCG steps without a lower exact loss after which a candidate restarts from descent's best readout.</summary>
    [Range(1, MaxStallSteps, ErrorMessage = DeclaredBounds.Between)]
    public int StallSteps { get; init; } = 3;

    /// <summary>Ablation for the benchmark only: no descent runs; stalled candidates restart from fresh initial spans (GCG with stall restarts).</summary>
    internal bool AblateRandomProposals { get; init; }

    internal override int DescentStepsPerGcgStep => DescentSteps;
}
