using LeapEngine.Core.Partitioning;
using Engine = LeapEngine.Core.Partitioning;

namespace LeapEngine.Jobs.Dictionaries.Results;

// The parts of the dictionary jobs' stored results, each the API's copy of the engine type of the same name (see that
// type for what each figure means), field for field and in the same order, with the mapper beside it: a Core rename
// cannot change what GET /v1/jobs/{id} answers. Enums stay the engine's (their wire names are the snake_case contract).

public sealed record BuildStats(long Tokens, int Batches, string StopReason, long CalibrationTokens, double Seconds, int BufferGrowths)
{
    public static BuildStats From(Engine.BuildStats b) => new(b.Tokens, b.Batches, b.StopReason, b.CalibrationTokens, b.Seconds, b.BufferGrowths);
}

public sealed record DictionaryInfo(string Format, string ModelId, string Hook, PartitionMetric Metric, PartitionPositions Positions, int Width,
    double Theta, double? Percentile, int ContextLength, string CorpusDescription, BuildStats Build)
{
    public static DictionaryInfo From(Engine.DictionaryInfo i) => new(i.Format, i.ModelId, i.Hook, i.Metric, i.Positions, i.Width, i.Theta,
        i.Percentile, i.ContextLength, i.CorpusDescription, BuildStats.From(i.Build));
}

public sealed record DictionaryMetrics(int Regions, long Tokens, double Coverage, int Singletons, double Gini, double EffectiveRegions,
    double MeanIntraDistance, double SeparationRatio, double MinSeparationRatio)
{
    public static DictionaryMetrics From(Engine.DictionaryMetrics m) => new(m.Regions, m.Tokens, m.Coverage, m.Singletons, m.Gini,
        m.EffectiveRegions, m.MeanIntraDistance, m.SeparationRatio, m.MinSeparationRatio);
}

public sealed record TokenAssignment(int Index, string Token, int Start, int Length, int Region, float Distance, bool WithinTheta)
{
    public static TokenAssignment From(Engine.TokenAssignment t) => new(t.Index, t.Token, t.Start, t.Length, t.Region, t.Distance, t.WithinTheta);
}

public sealed record TextScore(int Index, int Tokens, double Mean, double Max, double FractionBeyondTheta, float[] TokenDistances)
{
    public static TextScore From(Engine.TextScore s) => new(s.Index, s.Tokens, s.Mean, s.Max, s.FractionBeyondTheta, s.TokenDistances);
}

public sealed record OodReport(int InTexts, int OutTexts, double AurocMean, double AurocMax, double AurocFractionBeyondTheta, double InMeanScore,
    double OutMeanScore)
{
    public static OodReport From(Engine.OodReport o) => new(o.InTexts, o.OutTexts, o.AurocMean, o.AurocMax, o.AurocFractionBeyondTheta,
        o.InMeanScore, o.OutMeanScore);
}

public sealed record InterventionReport(string Kind, int[] Regions, double? Alpha, string Hook, string Prompt, string Before, string After,
    string? Target, double? TargetLogProbBefore, double? TargetLogProbAfter, double? TargetLogProbChange, double NextTokenKl)
{
    public static InterventionReport From(Engine.InterventionReport r) => new(r.Kind, r.Regions, r.Alpha, r.Hook, r.Prompt, r.Before, r.After,
        r.Target, r.TargetLogProbBefore, r.TargetLogProbAfter, r.TargetLogProbChange, r.NextTokenKl);
}

public sealed record MatchedPair(int A, int B, double Cosine);

public sealed record DictionaryMatch(double Threshold, string A, string B, int ARegions, int BRegions, IReadOnlyList<MatchedPair> Persisted,
    int[] Dropped, int[] Introduced, double MeanPersistedCosine, int Components, int LargestComponent)
{
    public static DictionaryMatch From(Engine.DictionaryMatch m) => new(m.Threshold, m.A, m.B, m.ARegions, m.BRegions,
        m.Persisted.Select(p => new MatchedPair(p.A, p.B, p.Cosine)).ToList(), m.Dropped, m.Introduced, m.MeanPersistedCosine, m.Components,
        m.LargestComponent);
}
