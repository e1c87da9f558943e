using LeapEngine.Core.Attribution;
using LeapEngine.Jobs.BlackBox;
using LeapEngine.Jobs.BlackBox.Contracts;
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
/// <c>text</c> (with an optional <c>system</c>) or named <c>segments</c>. With <c>endpoint</c> instead of <c>model</c>
/// it is a black-box attribution of one of your endpoints: the prompt is <c>messages</c> (docs/black-box.md).
/// </summary>
public sealed class AttributionJobRequest : IJobRequest, IEndpointVariant
{
    /// <summary>Served model id (GET /v1/models). Give model or endpoint, not both.</summary>
    public string Model { get; set; } = "";
    /// <summary>Instead of model: the id of one of your endpoints (POST /v1/endpoints); the job calls it and is metered in endpoint calls.</summary>
    public string? Endpoint { get; set; }
    /// <summary>With endpoint: the chat messages [{"role":"system"|"user"|"assistant","content":...}] (at most 32).</summary>
    public List<ChatMessageInput>? Messages { get; set; }
    /// <summary>With endpoint: auto (the best the endpoint's probe found), teacher_forced, regenerate_top_logprobs or text_similarity.</summary>
    public string? Scoring { get; set; }
    /// <summary>With endpoint: repeated unperturbed calls that measure the noise floor, 0 to 10 (default 2).</summary>
    public int? NoiseSamples { get; set; }
    /// <summary>With endpoint: the job's call budget (retries and the probe included); default the planned calls and half again, capped by the plan.</summary>
    public int? MaxCalls { get; set; }
    /// <summary>The (user) prompt to attribute, at most 20,000 characters.</summary>
    public string? Text { get; set; }
    /// <summary>A system prompt; with it the result also reports the system-prompt influence.</summary>
    public string? System { get; set; }
    /// <summary>Instead of text/system: named segments (at most 16), e.g. [{"name":"system","text":...},{"name":"user","text":...}].</summary>
    public List<PromptSegment>? Segments { get; set; }
    /// <summary>auto, plain, chatml or llama3 (with endpoint: how teacher_forced renders the messages; auto means plain).</summary>
    public string Template { get; set; } = "auto";
    /// <summary>itp (one evaluation per unit) or hipe (hierarchical: fewer evaluations).</summary>
    public string Method { get; set; } = "itp";
    /// <summary>token, word, chunk:K or spans (then <c>spans</c>); with endpoint: word, sentence, message, spans or endpoint_token.</summary>
    public string Unit { get; set; } = "word";
    /// <summary>Caller-given units (at most 1,000): [{"segment":"user","start":0,"length":4}].</summary>
    public List<UnitSpan>? Spans { get; set; }
    /// <summary>remove, token:X, nearest:N (N = -1: farthest) or hide; with endpoint: remove or replace:TEXT.</summary>
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

    /// <summary>Whether the caller named an endpoint (even an empty one: that is a mistake to report, not a model request).</summary>
    [System.Text.Json.Serialization.JsonIgnore] public bool NamesEndpoint => Endpoint is not null;

    /// <summary>
    /// The black-box request this one stands for. Refuses the fields only a served model can honour, and the white-box
    /// prompt forms: a black-box prompt is messages.
    /// </summary>
    public IEndpointJobRequest ForEndpoint()
    {
        if (!string.IsNullOrWhiteSpace(Model)) throw new JobRequestException("model", "give model or endpoint, not both");
        if (Text is not null || System is not null || Segments is not null)
            throw new JobRequestException("messages", "an endpoint attribution takes its prompt as messages [{\"role\": \"user\", \"content\": ...}], not text, system or segments");
        if (AddBos is not null) throw new JobRequestException("add_bos", "add_bos is for served models; the endpoint tokenises its own prompt");
        if (Faithfulness) throw new JobRequestException("faithfulness", "faithfulness curves are for served models; leave faithfulness out with endpoint");
        if (Evaluation is not null) throw new JobRequestException("evaluation", "evaluation settings are for served models; an endpoint's concurrency is set on the endpoint");
        if (Spans?.FirstOrDefault(s => s is not null && s.Message is null) is not null)
            throw new JobRequestException("spans", "with endpoint, each span names its message: {\"message\": 1, \"start\": 0, \"length\": 4}");
        return new BlackBoxAttributionJobRequest
        {
            Endpoint = Endpoint ?? "", Messages = Messages, Completion = Completion, Method = Method, Hipe = Hipe, Unit = Unit,
            Spans = Spans?.Select(s => s is null ? null! : new MessageSpanInput(s.Message!.Value, s.Start, s.Length)).ToList(),
            Perturbation = Perturbation, Scoring = Scoring ?? "auto",
            Template = Template.Trim().Equals("auto", StringComparison.OrdinalIgnoreCase) ? "plain" : Template,
            MaxNewTokens = MaxNewTokens, NoiseSamples = NoiseSamples ?? 2, MaxCalls = MaxCalls,
        };
    }

    /// <summary>The engine's request.</summary>
    public AttributionRequest ToEngine() => new()
    {
        Text = Text, System = System, Segments = Segments?.Select(s => s?.ToEngine()!).ToList(), Template = Template, Method = Method,
        Unit = Unit, Spans = Spans?.Select(s => s?.ToEngine()!).ToList(), Perturbation = Perturbation, Completion = Completion,
        MaxNewTokens = MaxNewTokens, AddBos = AddBos, Hipe = Hipe?.ToEngine() ?? new(), Faithfulness = Faithfulness,
        FaithfulnessOptions = FaithfulnessOptions?.ToEngine() ?? new(), Evaluation = Evaluation?.ToEngine() ?? new(),
    };
}
