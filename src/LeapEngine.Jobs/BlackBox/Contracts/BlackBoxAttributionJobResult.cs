using Engine = LeapEngine.Core.BlackBox;

namespace LeapEngine.Jobs.BlackBox.Contracts;

/// <summary>
/// The result of a black-box attribution job (API-owned: mapped from the engine's result by <see cref="From"/>).
/// <see cref="Kind"/> is "black_box", which is how a reader (the viewer) tells it from a white-box attribution.
/// </summary>
public sealed record BlackBoxAttributionJobResult(
    string Kind,
    string Endpoint,
    string EndpointModel,
    string ScoringMode,
    string ScoringReason,
    string Method,
    string Unit,
    string Perturbation,
    string? Template,
    string CompletionText,
    IReadOnlyList<string> CompletionTokens,
    bool CompletionGenerated,
    double CompletionLogProb,
    IReadOnlyList<double> CompletionTokenLogProbs,
    IReadOnlyList<BlackBoxUnitScore> Units,
    IReadOnlyList<RoleTotalView> Roles,
    SystemInfluenceView? SystemPrompt,
    UserTextView? UserText,
    double NoiseFloor,
    int NoiseSamples,
    long Evaluations,
    EndpointCallsView Calls,
    int? HipeStages,
    IReadOnlyList<HipeChunkView>? HipeChunks)
{
    public const string BlackBoxKind = "black_box";

    /// <param name="endpointId">The tenant's endpoint id (the result names it, never its URL or key).</param>
    /// <param name="probeCalls">Calls the job spent probing an endpoint whose capabilities were never measured (0 if none).</param>
    /// <param name="budget">The job's call budget (its reservation).</param>
    public static BlackBoxAttributionJobResult From(Engine.BlackBoxAttributionResult r, string endpointId, long probeCalls, long budget) => new(
        BlackBoxKind, endpointId, r.Model, r.ScoringMode, r.ScoringReason, r.Method, r.Unit, r.Perturbation, r.Template,
        r.CompletionText, r.CompletionTokens, r.CompletionGenerated, r.CompletionLogProb, r.CompletionTokenLogProbs,
        r.Units.Select(u => new BlackBoxUnitScore(u.Index, u.Message, u.Role, u.Start, u.Length, u.Text, u.Score, u.OutputTokenScores,
            u.ProbabilityDrop, u.BelowNoise)).ToList(),
        r.Roles.Select(t => new RoleTotalView(t.Role, t.Units, t.Score, t.AbsoluteMass, t.Share)).ToList(),
        r.SystemPrompt is { } s ? new SystemInfluenceView(s.LogProbDrop, s.LogProbWithout, s.AttributionShare) : null,
        r.UserText is { } v ? new UserTextView(v.LogProbDrop, v.LogProbWithout, v.DropPerToken, v.ExplainedShare, v.MostlyUnexplained) : null,
        r.NoiseFloor, r.NoiseSamples, r.Evaluations,
        new EndpointCallsView(r.PlannedCalls + probeCalls, r.Calls + probeCalls, probeCalls, r.Retries, budget),
        r.HipeStages, r.HipeChunks?.Select(c => new HipeChunkView(c.Stage, c.Start, c.End, c.Score, c.Split)).ToList());
}

/// <summary>One unit: where it sits (message index, character span of its content), its signed score (drop in the
/// completion's score when perturbed) and whether it is within the noise floor.</summary>
public sealed record BlackBoxUnitScore(int Index, int Message, string Role, int Start, int Length, string Text, double Score,
    IReadOnlyList<double> OutputTokenScores, double ProbabilityDrop, bool BelowNoise);

/// <summary>The units of one role together; share is of the absolute attribution mass.</summary>
public sealed record RoleTotalView(string Role, int Units, double Score, double AbsoluteMass, double Share);

/// <summary>The completion scored with every system (or developer) message left out.</summary>
public sealed record SystemInfluenceView(double LogProbDrop, double LogProbWithout, double AttributionShare);

/// <summary>How much of the completion the visible user text explains: every user unit perturbed at once; explained_share
/// is the drop over the surprisal without the text, mostly_unexplained below 0.5 (docs/black-box.md, "Spotting a hidden
/// system prompt").</summary>
public sealed record UserTextView(double LogProbDrop, double LogProbWithout, double DropPerToken, double ExplainedShare, bool MostlyUnexplained);

/// <summary>What the job cost in endpoint calls: the plan's calls, the calls made (what is billed; retries and the probe
/// included), the probe's share, retries, and the budget the job could not pass.</summary>
public sealed record EndpointCallsView(long Planned, long Used, long Probe, long Retries, long Budget);

public sealed record HipeChunkView(int Stage, int Start, int End, double Score, bool Split);
