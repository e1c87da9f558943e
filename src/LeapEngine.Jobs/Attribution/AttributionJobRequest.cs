using LeapEngine.Core.Attribution;
using LeapEngine.Jobs.Handlers;
using EvaluationOptions = LeapEngine.Jobs.Attribution.Contracts.EvaluationOptions;
using FaithfulnessOptions = LeapEngine.Jobs.Attribution.Contracts.FaithfulnessOptions;
using HipeOptions = LeapEngine.Jobs.Attribution.Contracts.HipeOptions;
using PromptSegment = LeapEngine.Jobs.Attribution.Contracts.PromptSegment;
using UnitSpan = LeapEngine.Jobs.Attribution.Contracts.UnitSpan;

namespace LeapEngine.Jobs.Attribution;

// The API's contract: its nested options are the types of Contracts/ (never Core's, so a Core rename cannot change the
// wire), mapped to the engine's request by ToEngine. The summary below is the OpenAPI schema's description.
/// <summary>
/// POST /v1/attributions: which parts of the prompt caused the completion. Mirrors the engine's
/// <see cref="AttributionRequest"/> field for field (snake_case in JSON); the prompt is either
/// <c>text</c> (with an optional <c>system</c>) or named <c>segments</c>.
/// </summary>
public sealed class AttributionJobRequest : IJobRequest
{
    /// <summary>Served model id (GET /v1/models).</summary>
    public string Model { get; set; } = "";
    /// <summary>The (user) prompt to attribute, at most 20,000 characters.</summary>
    public string? Text { get; set; }
    /// <summary>A system prompt; with it the result also reports the system-prompt influence.</summary>
    public string? System { get; set; }
    /// <summary>Instead of text/system: named segments (at most 16), e.g. [{"name":"system","text":...},{"name":"user","text":...}].</summary>
    public List<PromptSegment>? Segments { get; set; }
    /// <summary>auto, plain, chatml or llama3.</summary>
    public string Template { get; set; } = "auto";
    /// <summary>itp (one evaluation per unit) or hipe (hierarchical: fewer evaluations).</summary>
    public string Method { get; set; } = "itp";
    /// <summary>token, word, chunk:K or spans (then <c>spans</c>).</summary>
    public string Unit { get; set; } = "word";
    /// <summary>Caller-given units (at most 1,000): [{"segment":"user","start":0,"length":4}].</summary>
    public List<UnitSpan>? Spans { get; set; }
    /// <summary>remove, token:X, nearest:N (N = -1: farthest) or hide.</summary>
    public string Perturbation { get; set; } = "remove";
    /// <summary>The completion to explain; omitted: the model's own greedy completion of max_new_tokens.</summary>
    public string? Completion { get; set; }
    /// <summary>1 to 256.</summary>
    public int MaxNewTokens { get; set; } = 16;
    /// <summary>Start with BOS; omitted: the model's default.</summary>
    public bool? AddBos { get; set; }
    /// <summary>HiPe settings (method hipe).</summary>
    public HipeOptions? Hipe { get; set; }
    /// <summary>Also compute deletion/insertion curves and ERASER scores.</summary>
    public bool Faithfulness { get; set; }
    public FaithfulnessOptions? FaithfulnessOptions { get; set; }
    /// <summary>How perturbed prompts are batched (mode naive, batched or batched_prefix_cache; max_batch_size at most 64).</summary>
    public EvaluationOptions? Evaluation { get; set; }

    /// <summary>The engine's request.</summary>
    public AttributionRequest ToEngine() => new()
    {
        Text = Text, System = System, Segments = Segments?.Select(s => s?.ToEngine()!).ToList(), Template = Template, Method = Method,
        Unit = Unit, Spans = Spans?.Select(s => s?.ToEngine()!).ToList(), Perturbation = Perturbation, Completion = Completion,
        MaxNewTokens = MaxNewTokens, AddBos = AddBos, Hipe = Hipe?.ToEngine() ?? new(), Faithfulness = Faithfulness,
        FaithfulnessOptions = FaithfulnessOptions?.ToEngine() ?? new(), Evaluation = Evaluation?.ToEngine() ?? new(),
    };
}
