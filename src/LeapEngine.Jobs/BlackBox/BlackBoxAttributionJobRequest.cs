using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using LeapEngine.Core.BlackBox;
using LeapEngine.Jobs.BlackBox.Contracts;
using LeapEngine.Jobs.Handlers;
using HipeOptions = LeapEngine.Jobs.Attribution.Contracts.HipeOptions;

namespace LeapEngine.Jobs.BlackBox;

/// <summary>
/// A black-box attribution: POST /v1/attributions with <c>endpoint</c> instead of <c>model</c> is stored as this request
/// (job type blackbox_attribution). Explains the endpoint's completion of chat <c>messages</c> by perturbing units of
/// their contents and scoring the completion again through the endpoint.
/// </summary>
public sealed class BlackBoxAttributionJobRequest : IEndpointJobRequest
{
    /// <summary>The tenant's endpoint id (POST /v1/endpoints).</summary>
    [Required(ErrorMessage = "{0} is required: the id of one of your endpoints (POST /v1/endpoints)")]
    public string Endpoint { get; set; } = "";
    /// <summary>Stored jobs show "endpoint:ID" as their model: no served model runs them.</summary>
    [JsonIgnore] public string Model { get => $"endpoint:{Endpoint}"; set { } }
    public List<ChatMessageInput>? Messages { get; set; }
    public string? Completion { get; set; }
    public string Method { get; set; } = "itp";
    public HipeOptions? Hipe { get; set; }
    public string Unit { get; set; } = "word";
    public List<MessageSpanInput>? Spans { get; set; }
    public string Perturbation { get; set; } = "remove";
    public string Scoring { get; set; } = "auto";
    public string Template { get; set; } = "plain";
    [Range(1, BlackBoxAttributionRequest.MaxNewTokensLimit, ErrorMessage = "{0} must be {1} to {2}")]
    public int MaxNewTokens { get; set; } = 16;
    [Range(0, BlackBoxAttributionRequest.MaxNoiseSamples, ErrorMessage = "{0} must be {1} to {2}")]
    public int NoiseSamples { get; set; } = 2;
    [Range(1, 1_000_000, ErrorMessage = "{0} must be {1} to {2}")]
    public int? MaxCalls { get; set; }

    /// <summary>The engine's request.</summary>
    public BlackBoxAttributionRequest ToEngine() => new()
    {
        Messages = Messages?.Select(m => m?.ToEngine()!).ToList() ?? [], Completion = Completion, Method = Method,
        Hipe = Hipe?.ToEngine() ?? new(), Unit = Unit, Spans = Spans?.Select(s => s?.ToEngine()!).ToList(), Perturbation = Perturbation,
        Scoring = Scoring, Template = Template, MaxNewTokens = MaxNewTokens, NoiseSamples = NoiseSamples,
    };
}
