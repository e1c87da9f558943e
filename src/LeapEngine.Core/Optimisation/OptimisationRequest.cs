using LeapEngine.Core.Optimisation.Options;
using LeapEngine.Core.Runtime;

namespace LeapEngine.Core.Optimisation;

/// <summary>Which search finds the prompt: the <see cref="SearchOptions.Method"/> of each options type.</summary>
public enum OptimisationMethod
{
    /// <summary>Adam on unit-direction input embeddings kept near real tokens (SolidGoldMagikarp style).</summary>
    Descent,
    /// <summary>Greedy coordinate gradient (Zou et al. 2023): exact search over single-token swaps ranked by the one-hot gradient.</summary>
    Gcg,
    /// <summary>Descent and GCG together, in one of the <see cref="HybridVariant"/>s (<see cref="HybridOptions"/>).</summary>
    Hybrid,
}

/// <summary>How the hybrid combines embedding descent and GCG; each variant has its own options type (<see cref="HybridOptions.Of"/>).</summary>
public enum HybridVariant
{
    /// <summary>Descent for a share of the steps (and budget), then GCG from its readouts (<see cref="SequentialHybridOptions"/>).</summary>
    Sequential,
    /// <summary>GCG throughout, with an independent descent run's nearest tokens among its trials (<see cref="ChainHybridOptions"/>).</summary>
    Chain,
    /// <summary>GCG throughout, with the nearest tokens of descent restarted at GCG's tokens among its trials (<see cref="AnchoredHybridOptions"/>).</summary>
    Anchored,
    /// <summary>GCG throughout; stalled candidates restart from an independent descent run's best readouts (<see cref="ReseedHybridOptions"/>).</summary>
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
/// What to optimise and under which constraints: the target, the span and the fields every search shares (budget, seed,
/// vocabulary, success test) here; the method and the knobs only it reads in <see cref="Search"/>, one options type per
/// method and hybrid variant. <see cref="Validate"/> checks both against a model before any tensor is built.
/// </summary>
public sealed record OptimisationRequest
{
    /// <summary>The text the model should produce, e.g. " ball" (a leading space is part of the target).</summary>
    public string Target { get; init; } = "";
    /// <summary>
    /// How to search, and with which knobs: <see cref="DescentOptions"/>, <see cref="GcgOptions"/> or a hybrid variant's
    /// options. The anchored hybrid by default (on stories260K at 300k forward-token equivalents it solved more held-out
    /// targets than GCG or descent alone; docs/prompt-optimisation.md).
    /// </summary>
    public SearchOptions Search { get; init; } = new AnchoredHybridOptions();
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

    /// <summary>Every method: weight of the prompt's own negative log-likelihood per token (fluency) in the loss.</summary>
    public double FluencyWeight { get; init; }

    /// <summary>
    /// Optional compute budget in forward-token equivalents (<see cref="OptimisationResult.Work"/>):
    /// a step runs only when its worst-case cost still fits, so a search never spends more. For
    /// the sequential hybrid, descent gets <see cref="SequentialHybridOptions.DescentFraction"/> of it. Null: only
    /// <see cref="Steps"/> limits the search.
    /// </summary>
    public long? MaxWork { get; init; }
    /// <summary>Optional wall-clock budget in seconds, checked before each step (noisy on a shared machine: prefer <see cref="MaxWork"/>).</summary>
    public double? MaxSeconds { get; init; }

    /// <summary>Limits on what one request may ask for (bounded work per call).</summary>
    public const int MaxLength = 64, MaxSteps = 100_000, MaxCandidates = 256, MaxTargetWindow = 8;

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
        if (!(FluencyWeight >= 0) || double.IsInfinity(FluencyWeight)) throw new ArgumentException($"the fluency weight must be >= 0, got {FluencyWeight}");
        if (Search is null)
            throw new ArgumentException($"the search is missing: set {nameof(Search)} to {nameof(DescentOptions)}, {nameof(GcgOptions)} or a hybrid variant's options");
        Search.Validate();
        if (MaxWork is < 1) throw new ArgumentException($"the work budget must be at least 1 forward-token equivalent, got {MaxWork}");
        if (MaxSeconds is { } seconds && !(seconds > 0 && !double.IsInfinity(seconds)))
            throw new ArgumentException($"the time budget must be a positive number of seconds, got {seconds}");
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
