namespace LeapEngine.Core.Optimisation;

/// <summary>
/// One verified prompt: greedy generation from <see cref="FullPromptIds"/> produced
/// <see cref="Generation"/>, which contains the target. Plain properties (JSON as is).
/// </summary>
public sealed record PromptSuccess
{
    /// <summary>Step (1-based, counted over the whole run) whose prompt this was.</summary>
    public int Step { get; init; }
    /// <summary>"descent" or "gcg": the search that produced it.</summary>
    public string Phase { get; init; } = "";
    /// <summary>The optimised span's ids.</summary>
    public int[] PromptIds { get; init; } = [];
    /// <summary>The span as text (decoded; special and byte tokens as the tokenizer decodes them).</summary>
    public string PromptText { get; init; } = "";
    /// <summary>Everything the model was given: BOS/prefix, span, suffix.</summary>
    public int[] FullPromptIds { get; init; } = [];
    public string FullPromptText { get; init; } = "";
    /// <summary>Whether encoding <see cref="FullPromptText"/> gives <see cref="FullPromptIds"/> back (else the ids are the prompt, not the text).</summary>
    public bool TextRoundTrips { get; init; }
    /// <summary>The verifying greedy generation: its ids and text.</summary>
    public int[] GeneratedIds { get; init; } = [];
    public string Generation { get; init; } = "";
    /// <summary>log p(target tokens | full prompt), teacher-forced, natural log.</summary>
    public double TargetLogProb { get; init; }
    /// <summary>exp of the mean negative log-likelihood of the span's tokens as the model reads them (null when no token can be scored).</summary>
    public double? Perplexity { get; init; }
    public double SecondsElapsed { get; init; }
    /// <summary>Work spent by the search up to and including this prompt's step (forward-token equivalents, see <see cref="OptimisationResult.Work"/>).</summary>
    public long Work { get; init; }
}

/// <summary>What a prompt search found, and what it cost.</summary>
public sealed record OptimisationResult
{
    public string ModelId { get; init; } = "";
    public string Target { get; init; } = "";
    public int[] TargetIds { get; init; } = [];
    public OptimisationMethod Method { get; init; }
    public long Seed { get; init; }
    /// <summary>Verified prompts only (re-generated once more at the end), in the order found.</summary>
    public IReadOnlyList<PromptSuccess> Successes { get; init; } = [];
    public int StepsRun { get; init; }
    public int? FirstSuccessStep { get; init; }
    public double? SecondsToFirstSuccess { get; init; }
    public double Seconds { get; init; }
    /// <summary>Lowest target negative log-likelihood among the candidates of each step (index 0 = step 1): descent scores its continuous prompts, GCG its token prompts.</summary>
    public IReadOnlyList<float> BestTargetNllPerStep { get; init; } = [];
    /// <summary>Candidate prompts checked by greedy generation (repeats are looked up, not re-generated).</summary>
    public int PromptsVerified { get; init; }
    /// <summary>Backward passes (one per step, over all candidates at once).</summary>
    public int BackwardPasses { get; init; }
    /// <summary>Sequences scored exactly without gradients (GCG's candidate search, the hybrid's readout scoring).</summary>
    public long SequencesScored { get; init; }
    /// <summary>
    /// Interleaved hybrids: how often (candidates x steps) GCG's best trial was one of descent's
    /// proposals rather than one of its own gradient-ranked swaps: where the hybrid's descent
    /// work paid off.
    /// </summary>
    public long ProposalsTaken { get; init; }
    /// <summary>Interleaved hybrids: GCG trial slots filled by descent proposals (those that differed from the current span) over the whole search.</summary>
    public long ProposalsOffered { get; init; }
    /// <summary>Reseed hybrid: GCG candidates restarted (from descent's readouts) after stalling.</summary>
    public long Reseeds { get; init; }
    /// <summary>
    /// Compute spent, in forward-token equivalents: every token run forward counts 1, a token
    /// run forward and backward counts 3 (a backward pass costs about two forwards), and each
    /// verifying generation counts its prompt plus the tokens it may generate. Hardware-neutral,
    /// so methods can be compared at equal compute (<see cref="OptimisationRequest.MaxWork"/>).
    /// </summary>
    public long Work { get; init; }
    /// <summary>Whether <see cref="OptimisationRequest.MaxWork"/> or <see cref="OptimisationRequest.MaxSeconds"/> ended the search before its steps ran out.</summary>
    public bool StoppedByBudget { get; init; }
    /// <summary>What ended the search: <c>found</c> (enough verified prompts), <c>steps</c>, <c>work_budget</c> or <c>time_budget</c>.</summary>
    public string StopReason { get; init; } = "";
    /// <summary>One plain sentence: how many verified prompts were found, or that none was and what ended the search.</summary>
    public string Summary { get; init; } = "";
    public int AllowedTokens { get; init; }
}
