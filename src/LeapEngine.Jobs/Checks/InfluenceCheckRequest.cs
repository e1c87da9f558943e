using LeapEngine.Jobs.Handlers;

namespace LeapEngine.Jobs.Checks;

/// <summary>
/// POST /v1/checks/system-prompt-influence: a CI gate. Each case is a system prompt, a user
/// prompt and the allowed range of one or both influence figures; the job passes when every
/// case does.
/// </summary>
public sealed class InfluenceCheckRequest : IJobRequest, IEndpointVariant
{
    /// <summary>Served model id (GET /v1/models). Give model or endpoint, not both.</summary>
    public string Model { get; set; } = "";
    /// <summary>Instead of model: one of your endpoints' ids; each case is then a black-box attribution of the endpoint, metered in calls.</summary>
    public string? Endpoint { get; set; }
    /// <summary>With endpoint: auto (the best the endpoint offers), teacher_forced, regenerate_top_logprobs or text_similarity.</summary>
    public string? Scoring { get; set; }
    /// <summary>With endpoint: the job's call budget over all cases (retries and the probe included).</summary>
    public int? MaxCalls { get; set; }
    /// <summary>1 to 50 cases.</summary>
    public List<InfluenceCase>? Cases { get; set; }
    /// <summary>Attribution settings shared by every case (they decide the attribution share): itp or hipe.</summary>
    public string Method { get; set; } = "itp";
    /// <summary>token, word or chunk:K.</summary>
    public string Unit { get; set; } = "word";
    /// <summary>remove, token:X, nearest:N or hide.</summary>
    public string Perturbation { get; set; } = "remove";
    /// <summary>auto, plain, chatml or llama3 (joins the system and user turns).</summary>
    public string Template { get; set; } = "auto";
    /// <summary>Completion length when a case gives none (the model's greedy completion), 1 to 256.</summary>
    public int MaxNewTokens { get; set; } = 16;

    [System.Text.Json.Serialization.JsonIgnore] public bool NamesEndpoint => Endpoint is not null;

    /// <summary>The black-box check this one stands for (model-only settings refused, template auto read as plain).</summary>
    public IEndpointJobRequest ForEndpoint()
    {
        if (!string.IsNullOrWhiteSpace(Model)) throw new JobRequestException("model", "give model or endpoint, not both");
        return new BlackBox.BlackBoxInfluenceCheckRequest
        {
            Endpoint = Endpoint ?? "", Cases = Cases, Method = Method, Unit = Unit, Perturbation = Perturbation, Scoring = Scoring ?? "auto",
            Template = Template.Trim().Equals("auto", StringComparison.OrdinalIgnoreCase) ? "plain" : Template, MaxNewTokens = MaxNewTokens,
            MaxCalls = MaxCalls,
        };
    }
}

/// <summary>One case of an influence check.</summary>
public sealed class InfluenceCase
{
    /// <summary>A label for reports (default: "case N").</summary>
    public string? Name { get; set; }
    public string? System { get; set; }
    public string? User { get; set; }
    /// <summary>The completion to score; omitted: the model's greedy completion.</summary>
    public string? Completion { get; set; }
    /// <summary>Allowed range of the drop in the completion's log-probability when the system turn is removed (nats).</summary>
    public InfluenceRange? LogProbDrop { get; set; }
    /// <summary>Allowed range of the system segment's share of the absolute attribution mass (0 to 1).</summary>
    public InfluenceRange? AttributionShare { get; set; }
}

/// <summary>Inclusive bounds; give min, max or both.</summary>
public sealed class InfluenceRange
{
    public double? Min { get; set; }
    public double? Max { get; set; }

    public bool Contains(double value) => (Min is not { } lo || value >= lo) && (Max is not { } hi || value <= hi);
}

/// <summary>The check's verdict: what CI gates on (<c>jq -e '.result.passed'</c>).</summary>
public sealed record InfluenceCheckResult(bool Passed, int PassedCases, int FailedCases, IReadOnlyList<InfluenceCaseResult> Cases);

public sealed record InfluenceCaseResult(
    int Index,
    string Name,
    bool Passed,
    double LogProbDrop,
    double AttributionShare,
    double CompletionLogProb,
    double LogProbWithout,
    string Completion,
    IReadOnlyList<InfluenceFigureCheck> Checks);

/// <summary>One figure against its range.</summary>
public sealed record InfluenceFigureCheck(string Figure, double Value, double? Min, double? Max, bool Passed);
