using System.ComponentModel.DataAnnotations;
using LeapEngine.Core.Optimisation;
using LeapEngine.Core.Optimisation.Options;
using LeapEngine.Core.Serialization;
using LeapEngine.Jobs.Handlers;
using LeapEngine.Jobs.Optimisation.Search;

namespace LeapEngine.Jobs.Optimisation;

/// <summary>
/// POST /v1/optimisations: find a prompt that makes the model say a target (embedding descent,
/// GCG or the hybrid), every reported prompt verified by greedy generation. Bounded tighter
/// than the engine: a hosted call must finish in minutes on a shared worker.
/// </summary>
public sealed class PromptOptimisationJobRequest : IJobRequest
{
    public const int MaxSteps = 500, MaxCandidates = 32, MaxLength = 32, MaxSearchWidth = PromptSearchOptions.MaxSearchWidth, MaxSuccesses = 16,
        MaxTextChars = 2_000;
    /// <summary>Bounds of the optional budgets: counted work (forward-token equivalents) and wall time.</summary>
    public const long MaxWorkBudget = 100_000_000;
    public const double MaxSecondsBudget = 600;
    /// <summary>
    /// The work budget of a request that sets none, when its steps alone could cost more: the
    /// budget the methods were compared at (docs/prompt-optimisation.md: at 300k the anchored
    /// hybrid solved more held-out stories260K targets than GCG or descent alone), and small enough that the
    /// documented 500-step example fits a free plan (it used to reserve 7.3M for ~200k of work).
    /// </summary>
    public const long DefaultMaxWork = 300_000;

    /// <summary>Served model id (GET /v1/models).</summary>
    public string Model { get; set; } = "";
    /// <summary>Text the model should produce, e.g. " ball" (a leading space is part of it).</summary>
    [MaxLength(MaxTextChars, ErrorMessage = TooLong)]
    public string Target { get; set; } = "";
    /// <summary>
    /// How to search, by <c>type</c>: <c>{"type": "descent"}</c>, <c>{"type": "gcg", "search_width": 64}</c> or
    /// <c>{"type": "hybrid", "variant": "anchored", ...}</c> with the knobs of that variant. Omitted: the anchored hybrid
    /// with its defaults.
    /// </summary>
    public PromptSearchOptions? Search { get; set; }
    /// <summary>Tokens in the optimised span, 1 to 32.</summary>
    [Range(1, MaxLength, ErrorMessage = "{0} must be {1} to {2} tokens")]
    public int Length { get; set; } = 4;
    /// <summary>Optimisation steps, 1 to 500.</summary>
    [Range(1, MaxSteps, ErrorMessage = Between)]
    public int Steps { get; set; } = 100;
    /// <summary>Prompts optimised side by side, 1 to 32.</summary>
    [Range(1, MaxCandidates, ErrorMessage = Between)]
    public int Candidates { get; set; } = 8;
    public long Seed { get; set; }
    /// <summary>Fixed text before the optimised span.</summary>
    [MaxLength(MaxTextChars, ErrorMessage = TooLong)]
    public string Prefix { get; set; } = "";
    /// <summary>Fixed text between the span and the target.</summary>
    [MaxLength(MaxTextChars, ErrorMessage = TooLong)]
    public string Suffix { get; set; } = "";
    /// <summary>printable (default) or no_special.</summary>
    public string Vocabulary { get; set; } = "printable";
    /// <summary>centroids (default), random or near_target.</summary>
    public string Initialisation { get; set; } = "centroids";
    /// <summary>Success only when the generation starts with the target.</summary>
    public bool ExactContinuation { get; set; }
    /// <summary>Stop after this many verified prompts, 1 to 16.</summary>
    [Range(1, MaxSuccesses, ErrorMessage = Between)]
    public int StopAfterSuccesses { get; set; } = 1;
    /// <summary>Work budget in forward-token equivalents, 1 to 100,000,000: the search stops before a step that would exceed it, and progress counts it. Omitted: 300,000 when the steps alone could cost more.</summary>
    [Range(1d, MaxWorkBudget, ErrorMessage = "{0} must be {1} to {2} forward-token equivalents")]
    public long? MaxWork { get; set; }
    /// <summary>Optional wall-time budget in seconds, above 0 and at most 600.</summary>
    [Range(0, MaxSecondsBudget, MinimumIsExclusive = true, ErrorMessage = "{0} must be above {1} and at most {2}")]
    public double? MaxSeconds { get; set; }
    /// <summary>Deprecated (use <c>search</c>): descent, gcg or hybrid.</summary>
    [Obsolete(LegacySearchFields.Note)]
    public string? Method { get; set; }
    /// <summary>Deprecated (use <c>search.search_width</c>): GCG's substitutions scored per prompt per step, 1 to 256.</summary>
    [Obsolete(LegacySearchFields.Note)]
    [Range(1, MaxSearchWidth, ErrorMessage = Between)]
    public int? SearchWidth { get; set; }
    /// <summary>Deprecated (use <c>search.variant</c>): anchored, chain, reseed or sequential.</summary>
    [Obsolete(LegacySearchFields.Note)]
    public string? HybridVariant { get; set; }
    /// <summary>Deprecated (use <c>search.descent_steps</c>): descent steps per GCG step, 1 to 16.</summary>
    [Obsolete(LegacySearchFields.Note)]
    [Range(1, HybridOptions.MaxDescentSteps, ErrorMessage = Between)]
    public int? HybridDescentSteps { get; set; }
    /// <summary>Deprecated (use <c>search.nearest_tokens</c>): tokens nearest descent's point offered per position, 1 to 64.</summary>
    [Obsolete(LegacySearchFields.Note)]
    [Range(1, HybridOptions.MaxNearestTokens, ErrorMessage = Between)]
    public int? HybridNearestTokens { get; set; }
    /// <summary>Deprecated (use <c>search.descent_fraction</c>): the sequential hybrid's share of steps spent on descent, strictly between 0 and 1.</summary>
    [Obsolete(LegacySearchFields.Note)]
    [Range(0.0, 1.0, MinimumIsExclusive = true, MaximumIsExclusive = true, ErrorMessage = "{0} must lie strictly between {1} and {2}")]
    public double? HybridDescentFraction { get; set; }
    /// <summary>Deprecated (use <c>search.best_readouts</c>): the sequential hybrid starts GCG from the best descent readouts.</summary>
    [Obsolete(LegacySearchFields.Note)]
    public bool? HybridBestReadouts { get; set; }

    private const string Between = "{0} must be {1} to {2}", TooLong = "{0} may have at most {1} characters";

    /// <summary>
    /// The engine's request. The bounds above are checked before it, at submission (<see cref="JobRequestValidation"/>:
    /// a 400 names the field at fault); here only the words for enum values are read.
    /// </summary>
    public OptimisationRequest ToEngine() => new()
    {
        Target = Target,
        Search = SearchOptions().ToEngine(),
        Length = Length,
        Steps = Steps,
        Candidates = Candidates,
        Seed = Seed,
        Prefix = Prefix,
        Suffix = Suffix,
        Vocabulary = Parse<VocabularyFilter>("vocabulary", Vocabulary),
        Initialisation = Parse<PromptInitialisation>("initialisation", Initialisation),
        ExactContinuation = ExactContinuation,
        StopAfterSuccesses = StopAfterSuccesses,
        MaxWork = MaxWork,
        MaxSeconds = MaxSeconds,
    };

    /// <summary>
    /// The search as <see cref="Search"/> gives it, else as the deprecated flat fields give it, else the default (the
    /// anchored hybrid). Both at once is a 400: which should win is the caller's to say.
    /// </summary>
    public PromptSearchOptions SearchOptions()
    {
        var legacy = LegacySearchFields.Read(this);
        if (Search is not null && legacy.Given.Count > 0)
            throw new JobRequestException(legacy.Given[0],
                $"{string.Join(", ", legacy.Given)} cannot be combined with search: move {(legacy.Given.Count == 1 ? "it" : "them")} into search " +
                "(the flat fields are deprecated; docs/api.md shows the search object)");
        return Search ?? legacy.Search ?? new HybridSearchOptions();
    }

    /// <summary>The engine's enum from the API's word for it; an unknown word is a 400 that lists the valid ones.</summary>
    internal static T Parse<T>(string field, string value) where T : struct, Enum =>
        SnakeCase.TryParse<T>(value, out var parsed) ? parsed : throw new JobRequestException(field, SnakeCase.UnknownValue(typeof(T), field, value));
}
