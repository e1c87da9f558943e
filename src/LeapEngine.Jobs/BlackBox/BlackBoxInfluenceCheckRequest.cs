using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using LeapEngine.Core.BlackBox;
using LeapEngine.Core.BlackBox.Client;
using LeapEngine.Jobs.Checks;
using LeapEngine.Jobs.Handlers;

namespace LeapEngine.Jobs.BlackBox;

/// <summary>
/// The system-prompt influence check against a tenant's endpoint: POST /v1/checks/system-prompt-influence with
/// <c>endpoint</c> is stored as this request (job type blackbox_system_prompt_influence). Each case is the messages
/// [system, user] attributed black-box; its figures are the system messages' influence.
/// </summary>
public sealed class BlackBoxInfluenceCheckRequest : IEndpointJobRequest
{
    [Required(ErrorMessage = "{0} is required: the id of one of your endpoints (POST /v1/endpoints)")]
    public string Endpoint { get; set; } = "";
    /// <summary>Stored jobs show "endpoint:ID" as their model: no served model runs them.</summary>
    [JsonIgnore] public string Model { get => $"endpoint:{Endpoint}"; set { } }
    public List<InfluenceCase>? Cases { get; set; }
    public string Method { get; set; } = "itp";
    public string Unit { get; set; } = "word";
    public string Perturbation { get; set; } = "remove";
    public string Scoring { get; set; } = "auto";
    public string Template { get; set; } = "plain";
    [Range(1, BlackBoxAttributionRequest.MaxNewTokensLimit, ErrorMessage = "{0} must be {1} to {2}")]
    public int MaxNewTokens { get; set; } = 16;
    [Range(1, 1_000_000, ErrorMessage = "{0} must be {1} to {2}")]
    public int? MaxCalls { get; set; }

    /// <summary>The engine's request for one case: the system and user turns, no noise samples (the figures are differences
    /// of the same completion's score, and the check's ranges are the caller's tolerance).</summary>
    public BlackBoxAttributionRequest ToEngine(InfluenceCase c) => new()
    {
        Messages = [new ChatMessage("system", c.System ?? ""), new ChatMessage("user", c.User ?? "")], Completion = c.Completion,
        Method = Method, Unit = Unit, Perturbation = Perturbation, Scoring = Scoring, Template = Template, MaxNewTokens = MaxNewTokens,
        NoiseSamples = 0,
    };
}
