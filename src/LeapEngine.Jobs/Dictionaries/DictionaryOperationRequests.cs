using LeapEngine.Core.Partitioning;
using LeapEngine.Jobs.Handlers;

namespace LeapEngine.Jobs.Dictionaries;

/// <summary>A job on one stored dictionary: POST /v1/dictionaries/{id}/assign|score|steer|ablate|match.</summary>
public abstract class DictionaryJobRequest : IJobRequest
{
    /// <summary>Served model id; omitted: the default model. Must be the model the dictionary was built on.</summary>
    public string Model { get; set; } = "";
    /// <summary>Taken from the route ({id}); a value in the body is overwritten.</summary>
    public string? DictionaryId { get; set; }
}

/// <summary>Nearest region and distance of every token of each text; optionally the per-region readouts.</summary>
public sealed class DictionaryAssignRequest : DictionaryJobRequest
{
    /// <summary>1 to 32 texts of at most 4,000 characters.</summary>
    public List<string>? Texts { get; set; }
    /// <summary>Also return readouts [tokens][regions]: binary, cosine or signed (at most 1,000,000 numbers in all).</summary>
    public ReadoutKind? Readout { get; set; }
}

/// <summary>Out-of-distribution scores per text; with out_of_set_texts also the AUROC of texts (in-set) against them.</summary>
public sealed class DictionaryScoreRequest : DictionaryJobRequest
{
    /// <summary>1 to 1,000 texts of at most 4,000 characters.</summary>
    public List<string>? Texts { get; set; }
    /// <summary>Optional out-of-set texts (1 to 1,000): the result then has an ood report (AUROC of each aggregate).</summary>
    public List<string>? OutOfSetTexts { get; set; }
}

/// <summary>Shared by steer and ablate: the prompt whose continuation is compared before and after the intervention.</summary>
public abstract class DictionaryInterventionRequest : DictionaryJobRequest
{
    /// <summary>At most 4,000 characters.</summary>
    public string? Prompt { get; set; }
    /// <summary>A continuation whose log-probability is reported before and after (at most 4,000 characters).</summary>
    public string? Target { get; set; }
    /// <summary>Greedy tokens generated before and after, 0 to 256.</summary>
    public int MaxNewTokens { get; set; } = 32;
}

/// <summary>Adds alpha times a region's direction at the dictionary's hook, every position.</summary>
public sealed class DictionarySteerRequest : DictionaryInterventionRequest
{
    public int? Region { get; set; }
    /// <summary>Omitted: |centre|.</summary>
    public double? Alpha { get; set; }
}

/// <summary>Projects the regions' directions out of the activations at the dictionary's hook, every position.</summary>
public sealed class DictionaryAblateRequest : DictionaryInterventionRequest
{
    /// <summary>1 to 64 region ids.</summary>
    public List<int>? Regions { get; set; }
}

/// <summary>Matches this dictionary's regions one to one with another dictionary of the same tenant and width.</summary>
public sealed class DictionaryMatchRequest : DictionaryJobRequest
{
    /// <summary>The other dictionary (dict_...).</summary>
    public string? OtherDictionaryId { get; set; }
    /// <summary>Pairs at or above this cosine persist, (-1, 1].</summary>
    public double Threshold { get; set; } = DictionaryMatcher.DefaultThreshold;
}

public sealed record DictionaryAssignResult(string DictionaryId, IReadOnlyList<DictionaryAssignText> Texts);
// The stored results (GET /v1/jobs/{id} "result"): API contracts throughout (Results/), mapped from the engine's records.
public sealed record DictionaryAssignText(string Text, IReadOnlyList<Results.TokenAssignment> Tokens, float[][]? Readouts);
public sealed record DictionaryScoreResult(string DictionaryId, IReadOnlyList<Results.TextScore> Scores,
    IReadOnlyList<Results.TextScore>? OutOfSetScores, Results.OodReport? Ood);
public sealed record DictionaryInterventionResult(string DictionaryId, Results.InterventionReport Report);
public sealed record DictionaryMatchResult(string DictionaryId, string OtherDictionaryId, Results.DictionaryMatch Match);
