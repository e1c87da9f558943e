using LeapEngine.Core.Optimisation;
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

    /// <summary>Served model id (GET /v1/models).</summary>
    public string Model { get; set; } = "";
    /// <summary>Text the model should produce, e.g. " ball" (a leading space is part of it).</summary>
    public string Target { get; set; } = "";
    /// <summary>descent, gcg or hybrid (default).</summary>
    public string Method { get; set; } = "hybrid";
    /// <summary>Tokens in the optimised span, 1 to 32.</summary>
    public int Length { get; set; } = 4;
    /// <summary>Optimisation steps, 1 to 500.</summary>
    public int Steps { get; set; } = 100;
    /// <summary>Prompts optimised side by side, 1 to 32.</summary>
    public int Candidates { get; set; } = 8;
    public long Seed { get; set; }
    /// <summary>Fixed text before the optimised span.</summary>
    public string Prefix { get; set; } = "";
    /// <summary>Fixed text between the span and the target.</summary>
    public string Suffix { get; set; } = "";
    /// <summary>printable (default) or no_special.</summary>
    public string Vocabulary { get; set; } = "printable";
    /// <summary>centroids (default), random or near_target.</summary>
    public string Initialisation { get; set; } = "centroids";
    /// <summary>Success only when the generation starts with the target.</summary>
    public bool ExactContinuation { get; set; }
    /// <summary>Stop after this many verified prompts, 1 to 16.</summary>
    public int StopAfterSuccesses { get; set; } = 1;
    /// <summary>GCG: single-token substitutions scored per prompt per step, 1 to 256.</summary>
    public int SearchWidth { get; set; } = 64;

    /// <summary>The engine's request; each field checked alone so a 400 names the one at fault.</summary>
    public OptimisationRequest ToEngine()
    {
        void Require(bool ok, string field, string message)
        {
            if (!ok) throw new JobRequestException(field, message);
        }
        Require(Target.Length <= MaxTextChars, "target", $"target has {Target.Length} characters; at most {MaxTextChars} are accepted");
        Require(Prefix.Length <= MaxTextChars, "prefix", $"prefix has {Prefix.Length} characters; at most {MaxTextChars} are accepted");
        Require(Suffix.Length <= MaxTextChars, "suffix", $"suffix has {Suffix.Length} characters; at most {MaxTextChars} are accepted");
        Require(Steps is >= 1 and <= MaxSteps, "steps", $"steps must be 1 to {MaxSteps}, got {Steps}");
        Require(Candidates is >= 1 and <= MaxCandidates, "candidates", $"candidates must be 1 to {MaxCandidates}, got {Candidates}");
        Require(Length is >= 1 and <= MaxLength, "length", $"length must be 1 to {MaxLength} tokens, got {Length}");
        Require(SearchWidth is >= 1 and <= MaxSearchWidth, "search_width", $"search_width must be 1 to {MaxSearchWidth}, got {SearchWidth}");
        Require(StopAfterSuccesses is >= 1 and <= MaxSuccesses, "stop_after_successes",
            $"stop_after_successes must be 1 to {MaxSuccesses}, got {StopAfterSuccesses}");
        return new OptimisationRequest
        {
            Target = Target,
            Method = Parse<OptimisationMethod>("method", Method, "descent, gcg or hybrid"),
            Length = Length,
            Steps = Steps,
            Candidates = Candidates,
            Seed = Seed,
            Prefix = Prefix,
            Suffix = Suffix,
            Vocabulary = Parse<VocabularyFilter>("vocabulary", Vocabulary, "printable or no_special"),
            Initialisation = Parse<PromptInitialisation>("initialisation", Initialisation, "centroids, random or near_target"),
            ExactContinuation = ExactContinuation,
            StopAfterSuccesses = StopAfterSuccesses,
            SearchWidth = SearchWidth,
        };
    }

    private static T Parse<T>(string field, string value, string allowed) where T : struct, Enum =>
        Enum.TryParse<T>((value ?? "").Replace("_", ""), ignoreCase: true, out var parsed) && Enum.IsDefined(parsed)
            ? parsed
            : throw new JobRequestException(field, $"unknown {field} '{value}'; use {allowed}");
}
