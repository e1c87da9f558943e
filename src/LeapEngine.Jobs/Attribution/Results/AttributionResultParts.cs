using Engine = LeapEngine.Core.Attribution;

namespace LeapEngine.Jobs.Attribution.Results;

// The parts of an AttributionJobResult, each the API's copy of the engine type of the same name (see that type for
// what each figure means), with the mapper beside it.

/// <summary>One unit's attribution: the signed drop in the completion's log-probability when it is perturbed, and per output token.</summary>
public sealed record UnitAttribution
{
    public required int Index { get; init; }
    public required string Text { get; init; }
    public required string Segment { get; init; }
    /// <summary>Character offset in the segment's own text.</summary>
    public required int Start { get; init; }
    public required int Length { get; init; }
    /// <summary>Positions of the unit's tokens in the rendered prompt's token sequence.</summary>
    public required int[] TokenPositions { get; init; }
    public required double Score { get; init; }
    public required double[] OutputTokenScores { get; init; }
    /// <summary>Drop in the completion tokens' summed probability.</summary>
    public required double ProbabilityDrop { get; init; }
    public required double[] OutputTokenProbabilityDrops { get; init; }

    public static UnitAttribution From(Engine.UnitAttribution u) => new()
    {
        Index = u.Index, Text = u.Text, Segment = u.Segment, Start = u.Start, Length = u.Length, TokenPositions = u.TokenPositions,
        Score = u.Score, OutputTokenScores = u.OutputTokenScores, ProbabilityDrop = u.ProbabilityDrop,
        OutputTokenProbabilityDrops = u.OutputTokenProbabilityDrops,
    };
}

/// <summary>A prompt segment's units together: summed score, absolute mass and share of all units' mass.</summary>
public sealed record SegmentTotal(string Segment, string Text, int Units, double Score, double AbsoluteMass, double Share)
{
    public static SegmentTotal From(Engine.SegmentTotal s) => new(s.Segment, s.Text, s.Units, s.Score, s.AbsoluteMass, s.Share);
}

/// <summary>How much the system prompt drives the completion: the figures CI pipelines gate on.</summary>
public sealed record SystemPromptInfluence(double LogProbDrop, double LogProbWithout, double AttributionShare)
{
    public static SystemPromptInfluence From(Engine.SystemPromptInfluence s) => new(s.LogProbDrop, s.LogProbWithout, s.AttributionShare);
}

/// <summary>One chunk of units [start, end) in one HiPe stage, its score and whether HiPe split it.</summary>
public sealed record HipeChunkScore(int Stage, int Start, int End, double Score, bool Split);

/// <summary>Deletion and insertion curves with their areas, and ERASER points: the attribution checked against the model.</summary>
public sealed record FaithfulnessReport
{
    public required IReadOnlyList<CurvePoint> Deletion { get; init; }
    public required double DeletionAuc { get; init; }
    public required IReadOnlyList<CurvePoint> Insertion { get; init; }
    public required double InsertionAuc { get; init; }
    public required IReadOnlyList<EraserPoint> Eraser { get; init; }
    public required int Evaluations { get; init; }

    public static FaithfulnessReport From(Engine.FaithfulnessReport f) => new()
    {
        Deletion = f.Deletion.Select(CurvePoint.From).ToList(), DeletionAuc = f.DeletionAuc,
        Insertion = f.Insertion.Select(CurvePoint.From).ToList(), InsertionAuc = f.InsertionAuc,
        Eraser = f.Eraser.Select(e => new EraserPoint(e.Fraction, e.Units, e.Comprehensiveness, e.Sufficiency)).ToList(),
        Evaluations = f.Evaluations,
    };
}

public sealed record CurvePoint(double Fraction, int Units, double LogProb)
{
    public static CurvePoint From(Engine.CurvePoint p) => new(p.Fraction, p.Units, p.LogProb);
}

public sealed record EraserPoint(double Fraction, int Units, double Comprehensiveness, double Sufficiency);
