using LeapEngine.Core.Runtime;

namespace LeapEngine.Core.Optimisation;

/// <summary>Which search finds the prompt.</summary>
public enum OptimisationMethod
{
    /// <summary>Adam on unit-direction input embeddings kept near real tokens (SolidGoldMagikarp style).</summary>
    Descent,
    /// <summary>Greedy coordinate gradient (Zou et al. 2023): exact search over single-token swaps ranked by the one-hot gradient.</summary>
    Gcg,
    /// <summary>Descent and GCG together (<see cref="OptimisationRequest.HybridVariant"/>): by default descent first, then GCG from its readouts.</summary>
    Hybrid,
}

/// <summary>How the hybrid combines embedding descent and GCG.</summary>
public enum HybridVariant
{
    /// <summary>Descent for <see cref="OptimisationRequest.HybridDescentFraction"/> of the steps (and budget), then GCG from its readouts.</summary>
    Sequential,
    /// <summary>
    /// GCG throughout, next to an independent descent run: each GCG step the run takes
    /// <see cref="OptimisationRequest.HybridDescentSteps"/> steps and its nearest tokens join GCG's exactly scored trials.
    /// </summary>
    Chain,
    /// <summary>
    /// GCG throughout; every step, descent starts at GCG's current tokens, takes
    /// <see cref="OptimisationRequest.HybridDescentSteps"/> steps, and the tokens nearest where it lands
    /// (<see cref="OptimisationRequest.HybridNearestTokens"/> per position) join GCG's exactly scored trials.
    /// </summary>
    Anchored,
    /// <summary>
    /// GCG throughout, with descent as a cheap explorer beside it: each GCG step, an independent
    /// descent run (Adam at <see cref="OptimisationRequest.LearningRate"/>) takes
    /// <see cref="OptimisationRequest.HybridDescentSteps"/> steps whose readouts are verified like
    /// descent's own and scored exactly into a pool; a GCG candidate whose exact loss has not
    /// improved for <see cref="OptimisationRequest.HybridStallSteps"/> steps restarts from the
    /// best readout in the pool not handed out before.
    /// </summary>
    Reseed,
}

/// <summary>How the optimised span starts.</summary>
public enum PromptInitialisation
{
    /// <summary>Spherical k-means centroids of the allowed token embeddings (GCG starts from their nearest tokens).</summary>
    Centroids,
    /// <summary>Random allowed tokens.</summary>
    Random,
    /// <summary>Random picks among the allowed tokens nearest (cosine) to the target's tokens.</summary>
    NearTarget,
}

/// <summary>Which tokens the optimised span may use.</summary>
public enum VocabularyFilter
{
    /// <summary>Tokens that decode to printable text: no special tokens, no raw byte pieces, no control characters.</summary>
    Printable,
    /// <summary>Every token except special ones (BOS, EOS, unknown, tokens that decode to nothing).</summary>
    NoSpecial,
}

/// <summary>
/// What to optimise and under which constraints. Plain properties so a job can store it as
/// JSON; <see cref="Validate"/> checks it against a model before any tensor is built.
/// </summary>
public sealed record OptimisationRequest
{
    /// <summary>The text the model should produce, e.g. " ball" (a leading space is part of the target).</summary>
    public string Target { get; init; } = "";
    public OptimisationMethod Method { get; init; } = OptimisationMethod.Hybrid;
    /// <summary>Tokens in the optimised span.</summary>
    public int Length { get; init; } = 4;
    /// <summary>Optimisation steps (for the hybrid: descent and GCG steps together).</summary>
    public int Steps { get; init; } = 100;
    /// <summary>Prompts optimised side by side (the batch B).</summary>
    public int Candidates { get; init; } = 8;
    public long Seed { get; init; }
    /// <summary>Fixed text before the span (after BOS where the model uses one).</summary>
    public string Prefix { get; init; } = "";
    /// <summary>Fixed text after the span, before the target.</summary>
    public string Suffix { get; init; } = "";
    public VocabularyFilter Vocabulary { get; init; } = VocabularyFilter.Printable;
    /// <summary>When set, only these ids (intersected with <see cref="Vocabulary"/>) may appear in the span.</summary>
    public IReadOnlyList<int>? AllowedTokenIds { get; init; }
    public PromptInitialisation Initialisation { get; init; } = PromptInitialisation.Centroids;
    /// <summary>Success only when the generation starts with the target (else: the target appears anywhere in it).</summary>
    public bool ExactContinuation { get; init; }
    /// <summary>Tokens generated beyond the target's own length when verifying (room for the target to appear later).</summary>
    public int ExtraVerifyTokens { get; init; } = 4;
    /// <summary>
    /// Loss window: the target may follow up to this many of the model's own greedy tokens after
    /// the prompt (the loss is -log of the summed probability over those offsets), matching the
    /// success test, which looks for the target within <see cref="ExtraVerifyTokens"/> extra
    /// tokens. 0 (the default): the target right after the prompt. Each offset costs one more
    /// loss pass (counted in the work). At most <see cref="ExtraVerifyTokens"/>; 0 with
    /// <see cref="ExactContinuation"/>.
    /// </summary>
    public int TargetWindow { get; init; }
    /// <summary>
    /// When set, the searches minimise the greedy margin instead of the target's NLL: per target
    /// token, max(0, best other log-prob - target log-prob + this margin), summed (0: greedy
    /// decoding says the target). Null (the default): the NLL. Not combined with a target window.
    /// </summary>
    public double? GreedyMargin { get; init; }
    /// <summary>Stop after this many verified distinct prompts.</summary>
    public int StopAfterSuccesses { get; init; } = 1;

    /// <summary>Descent: Adam learning rate.</summary>
    public double LearningRate { get; init; } = 0.1;
    /// <summary>Descent: weight of the mean distance to the nearest allowed token (1 - max cosine).</summary>
    public double NearestTokenWeight { get; init; } = 1.0;
    /// <summary>Descent and GCG: weight of the prompt's own negative log-likelihood per token (fluency).</summary>
    public double FluencyWeight { get; init; }
    /// <summary>GCG: substitutions kept per position from the one-hot gradient.</summary>
    public int TopK { get; init; } = 32;
    /// <summary>GCG: single-substitution candidates evaluated exactly per prompt per step.</summary>
    public int SearchWidth { get; init; } = 64;
    /// <summary>Hybrid: the share of <see cref="Steps"/> (and of a budget) spent on descent before switching to GCG.</summary>
    public double HybridDescentFraction { get; init; } = 0.3;
    /// <summary>
    /// Hybrid: score every descent readout exactly (one forward per candidate per step, counted
    /// as work) and start GCG from the best distinct readouts seen, not the last ones.
    /// </summary>
    public bool HybridBestReadouts { get; init; }
    /// <summary>
    /// How the hybrid combines the two searches. Anchored by default: on stories260K at 300k
    /// forward-token equivalents it solved more held-out targets than GCG or descent alone
    /// (docs/prompt-optimisation.md); the sequential hybrid never did.
    /// </summary>
    public HybridVariant HybridVariant { get; init; } = HybridVariant.Anchored;
    /// <summary>Chain and anchored hybrids: descent steps per GCG step (each costs a gradient pass over the candidates).</summary>
    public int HybridDescentSteps { get; init; } = 1;
    /// <summary>Chain and anchored hybrids: Adam learning rate of descent's proposal steps (a step must be long enough to leave the current token).</summary>
    public double HybridLearningRate { get; init; } = 0.3;
    /// <summary>Chain and anchored hybrids: tokens nearest descent's final point offered per position as single substitutions (1: the nearest only).</summary>
    public int HybridNearestTokens { get; init; } = 4;
    /// <summary>Reseed hybrid: GCG steps without a lower exact loss after which a candidate restarts from descent's best readout.</summary>
    public int HybridStallSteps { get; init; } = 3;
    /// <summary>
    /// Ablation for the benchmark only: the chain and anchored hybrids propose random allowed
    /// tokens in place of descent's readouts (same trial structure, same counted work), to
    /// measure whether descent's proposals carry information. The reseed hybrid instead runs no
    /// descent and restarts stalled candidates from fresh initial spans (GCG with stall restarts).
    /// </summary>
    internal bool AblateRandomProposals { get; init; }
    /// <summary>Benchmark only (not better in development runs): the hybrids' descent scores its nearest-token readout and applies that gradient to its free vectors (straight-through, as in PEZ).</summary>
    internal bool HybridStraightThrough { get; init; }

    /// <summary>
    /// Optional compute budget in forward-token equivalents (<see cref="OptimisationResult.Work"/>):
    /// a step runs only when its worst-case cost still fits, so a search never spends more. For
    /// the hybrid, descent gets <see cref="HybridDescentFraction"/> of it. Null: only
    /// <see cref="Steps"/> limits the search.
    /// </summary>
    public long? MaxWork { get; init; }
    /// <summary>Optional wall-clock budget in seconds, checked before each step (noisy on a shared machine: prefer <see cref="MaxWork"/>).</summary>
    public double? MaxSeconds { get; init; }

    /// <summary>Limits on what one request may ask for (bounded work per call).</summary>
    public const int MaxLength = 64, MaxSteps = 100_000, MaxCandidates = 256, MaxSearchWidth = 4096, MaxTopK = 4096, MaxHybridDescentSteps = 16, MaxHybridNearestTokens = 64, MaxTargetWindow = 8, MaxHybridStallSteps = 1000;

    /// <summary>Throws <see cref="ArgumentException"/> saying what to fix.</summary>
    public void Validate(LanguageModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (string.IsNullOrEmpty(Target)) throw new ArgumentException("the target is empty: give the text the model should say, e.g. \" ball\"");
        if (Length is < 1 or > MaxLength) throw new ArgumentException($"the prompt length must be 1 to {MaxLength} tokens, got {Length}");
        if (Steps is < 1 or > MaxSteps) throw new ArgumentException($"steps must be 1 to {MaxSteps}, got {Steps}");
        if (Candidates is < 1 or > MaxCandidates) throw new ArgumentException($"candidates must be 1 to {MaxCandidates}, got {Candidates}");
        if (StopAfterSuccesses < 1) throw new ArgumentException($"stop-after-successes must be at least 1, got {StopAfterSuccesses}");
        if (ExtraVerifyTokens is < 0 or > 256) throw new ArgumentException($"extra verify tokens must be 0 to 256, got {ExtraVerifyTokens}");
        if (TargetWindow is < 0 or > MaxTargetWindow) throw new ArgumentException($"the target window must be 0 to {MaxTargetWindow} tokens, got {TargetWindow}");
        if (TargetWindow > 0 && ExactContinuation) throw new ArgumentException("a target window needs the target to be allowed after other tokens: set it to 0 with an exact continuation");
        if (TargetWindow > ExtraVerifyTokens)
            throw new ArgumentException($"the target window ({TargetWindow}) must not exceed the extra verification tokens ({ExtraVerifyTokens}): the success test would never look that far");
        if (GreedyMargin is { } m && !(m >= 0 && !double.IsInfinity(m))) throw new ArgumentException($"the greedy margin must be a number >= 0, got {m}");
        if (GreedyMargin is not null && TargetWindow > 0) throw new ArgumentException("the greedy margin and a target window cannot be combined: set one of them");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) throw new ArgumentException($"the learning rate must be a positive number, got {LearningRate}");
        if (!(NearestTokenWeight >= 0) || double.IsInfinity(NearestTokenWeight))
            throw new ArgumentException($"the nearest-token weight must be >= 0, got {NearestTokenWeight}");
        if (!(FluencyWeight >= 0) || double.IsInfinity(FluencyWeight)) throw new ArgumentException($"the fluency weight must be >= 0, got {FluencyWeight}");
        if (TopK is < 1 or > MaxTopK) throw new ArgumentException($"top-k must be 1 to {MaxTopK}, got {TopK}");
        if (SearchWidth is < 1 or > MaxSearchWidth) throw new ArgumentException($"the search width must be 1 to {MaxSearchWidth}, got {SearchWidth}");
        if (!(HybridDescentFraction is > 0 and < 1)) throw new ArgumentException($"the hybrid descent fraction must lie in (0, 1), got {HybridDescentFraction}");
        if (HybridDescentSteps is < 1 or > MaxHybridDescentSteps)
            throw new ArgumentException($"the hybrid's descent steps per GCG step must be 1 to {MaxHybridDescentSteps}, got {HybridDescentSteps}");
        if (!(HybridLearningRate > 0) || double.IsInfinity(HybridLearningRate))
            throw new ArgumentException($"the hybrid's learning rate must be a positive number, got {HybridLearningRate}");
        if (HybridNearestTokens is < 1 or > MaxHybridNearestTokens)
            throw new ArgumentException($"the hybrid's nearest tokens per position must be 1 to {MaxHybridNearestTokens}, got {HybridNearestTokens}");
        if (HybridStallSteps is < 1 or > MaxHybridStallSteps)
            throw new ArgumentException($"the hybrid's stall steps must be 1 to {MaxHybridStallSteps}, got {HybridStallSteps}");
        if (!Enum.IsDefined(HybridVariant)) throw new ArgumentException($"unknown hybrid variant {HybridVariant}");
        if (MaxWork is < 1) throw new ArgumentException($"the work budget must be at least 1 forward-token equivalent, got {MaxWork}");
        if (MaxSeconds is { } seconds && !(seconds > 0 && !double.IsInfinity(seconds)))
            throw new ArgumentException($"the time budget must be a positive number of seconds, got {seconds}");
        if (!Enum.IsDefined(Method)) throw new ArgumentException($"unknown method {Method}");
        if (!Enum.IsDefined(Initialisation)) throw new ArgumentException($"unknown initialisation {Initialisation}");
        if (!Enum.IsDefined(Vocabulary)) throw new ArgumentException($"unknown vocabulary filter {Vocabulary}");
        if (AllowedTokenIds is { } ids)
        {
            int vocab = Math.Min(model.Tokenizer.VocabSize, model.Config.VocabSize);
            foreach (var id in ids)
                if (id < 0 || id >= vocab) throw new ArgumentException($"allowed token id {id} is outside the vocabulary [0, {vocab})");
        }
        // Lengths in tokens: what the forward pass and the verifying generation will need.
        var target = model.ContinuationIds(Target);
        if (target.Length == 0) throw new ArgumentException($"the target \"{Target}\" encodes to no tokens");
        int context = TextPieces.Context(model, Prefix).Length + Length + model.ContinuationIds(Suffix).Length;
        int needed = context + target.Length + ExtraVerifyTokens;
        if (context + target.Length > model.Config.ContextLength)
            throw new ArgumentException(
                $"prompt ({context} tokens) plus target ({target.Length} tokens) exceed the model's context length of {model.Config.ContextLength}");
        if (needed > model.Config.ContextLength && ExtraVerifyTokens > 0)
            throw new ArgumentException(
                $"prompt, target and {ExtraVerifyTokens} extra verification tokens ({needed}) exceed the context length of {model.Config.ContextLength}; lower the extra tokens");
    }
}
