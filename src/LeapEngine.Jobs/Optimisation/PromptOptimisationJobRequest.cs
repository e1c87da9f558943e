using System.ComponentModel.DataAnnotations;
using LeapEngine.Core.Optimisation;
using LeapEngine.Core.Optimisation.Methods;
using LeapEngine.Core.Serialization;
using LeapEngine.Jobs.Handlers;

namespace LeapEngine.Jobs.Optimisation;

/// <summary>
/// POST /v1/optimisations: find a prompt that makes the model say a target (embedding descent,
/// GCG or the hybrid), every reported prompt verified by greedy generation. Bounded tighter
/// than the engine: a hosted call must finish in minutes on a shared worker.
/// </summary>
public sealed class PromptOptimisationJobRequest : IJobRequest
{
    public const int MaxSteps = 500, MaxCandidates = 32, MaxLength = 32, MaxSearchWidth = 256, MaxSuccesses = 16, MaxTextChars = 2_000;
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
    /// <summary>descent, gcg or hybrid (default; its variant is hybrid_variant).</summary>
    public string Method { get; set; } = "hybrid";
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
    /// <summary>GCG: single-token substitutions scored per prompt per step, 1 to 256.</summary>
    [Range(1, MaxSearchWidth, ErrorMessage = Between)]
    public int SearchWidth { get; set; } = 64;
    /// <summary>Work budget in forward-token equivalents, 1 to 100,000,000: the search stops before a step that would exceed it, and progress counts it. Omitted: 300,000 when the steps alone could cost more.</summary>
    [Range(1d, MaxWorkBudget, ErrorMessage = "{0} must be {1} to {2} forward-token equivalents")]
    public long? MaxWork { get; set; }
    /// <summary>Optional wall-time budget in seconds, above 0 and at most 600.</summary>
    [Range(0, MaxSecondsBudget, MinimumIsExclusive = true, ErrorMessage = "{0} must be above {1} and at most {2}")]
    public double? MaxSeconds { get; set; }
    /// <summary>Hybrid: anchored (default), chain, reseed or sequential.</summary>
    public string HybridVariant { get; set; } = SnakeCase.Name(Defaults.HybridVariant);
    /// <summary>Anchored and chain hybrids: descent steps per GCG step, 1 to 16.</summary>
    [Range(1, OptimisationRequest.MaxHybridDescentSteps, ErrorMessage = Between)]
    public int HybridDescentSteps { get; set; } = Defaults.HybridDescentSteps;
    /// <summary>Anchored and chain hybrids: tokens nearest descent's point offered per position as substitutions, 1 to 64.</summary>
    [Range(1, OptimisationRequest.MaxHybridNearestTokens, ErrorMessage = Between)]
    public int HybridNearestTokens { get; set; } = Defaults.HybridNearestTokens;
    /// <summary>Sequential hybrid: the share of steps (and budget) spent on descent, strictly between 0 and 1.</summary>
    [Range(0.0, 1.0, MinimumIsExclusive = true, MaximumIsExclusive = true, ErrorMessage = "{0} must lie strictly between {1} and {2}")]
    public double HybridDescentFraction { get; set; } = Defaults.HybridDescentFraction;
    /// <summary>Sequential hybrid: start GCG from the best descent readouts by exact loss.</summary>
    public bool HybridBestReadouts { get; set; }

    private static readonly OptimisationRequest Defaults = new();

    private const string Between = "{0} must be {1} to {2}", TooLong = "{0} may have at most {1} characters";

    /// <summary>
    /// The engine's request. The bounds above are checked before it, at submission (<see cref="JobRequestValidation"/>:
    /// a 400 names the field at fault); here only the words for enum values are read.
    /// </summary>
    public OptimisationRequest ToEngine()
    {
        return new OptimisationRequest
        {
            Target = Target,
            Method = (PromptSearchMethods.Find(Method)
                      ?? throw new JobRequestException("method", $"unknown method '{Method}'; use one of: {PromptSearchMethods.Names}")).Method,
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
            SearchWidth = SearchWidth,
            MaxWork = MaxWork,
            MaxSeconds = MaxSeconds,
            HybridVariant = Parse<HybridVariant>("hybrid_variant", HybridVariant),
            HybridDescentSteps = HybridDescentSteps,
            HybridNearestTokens = HybridNearestTokens,
            HybridDescentFraction = HybridDescentFraction,
            HybridBestReadouts = HybridBestReadouts,
        };
    }

    /// <summary>The engine's enum from the API's word for it; an unknown word is a 400 that lists the valid ones.</summary>
    private static T Parse<T>(string field, string value) where T : struct, Enum =>
        SnakeCase.TryParse<T>(value, out var parsed) ? parsed : throw new JobRequestException(field, SnakeCase.UnknownValue(typeof(T), field, value));
}
