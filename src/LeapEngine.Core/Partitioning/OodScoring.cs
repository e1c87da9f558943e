using LeapEngine.Core.Runtime;
using static TorchSharp.torch;

namespace LeapEngine.Core.Partitioning;

/// <summary>How far one text is from the set the dictionary was built on.</summary>
public sealed record TextScore
{
    /// <summary>Index of the text in the scored list.</summary>
    public int Index { get; init; }
    /// <summary>Tokens scored (0 when the text gave none; its aggregates are then 0).</summary>
    public int Tokens { get; init; }
    public double Mean { get; init; }
    public double Max { get; init; }
    /// <summary>Fraction of tokens farther than theta from every exemplar.</summary>
    public double FractionBeyondTheta { get; init; }
    /// <summary>Nearest-exemplar distance of each scored token.</summary>
    public float[] TokenDistances { get; init; } = [];
}

/// <summary>AUROC of separating out-of-set from in-set texts by each aggregate score.</summary>
public sealed record OodReport
{
    public int InTexts { get; init; }
    public int OutTexts { get; init; }
    public double AurocMean { get; init; }
    public double AurocMax { get; init; }
    public double AurocFractionBeyondTheta { get; init; }
    public double InMeanScore { get; init; }
    public double OutMeanScore { get; init; }
}

public sealed partial class ExemplarDictionary
{
    /// <summary>
    /// Out-of-distribution scores: each token's nearest-exemplar distance (at the positions the
    /// dictionary was built on), aggregated per text. Progress counts texts.
    /// </summary>
    public List<TextScore> Score(LanguageModel model, IEnumerable<string> texts, IProgress<ProgressUpdate>? progress = null,
        CancellationToken ct = default)
    {
        var list = texts.ToList();
        var perText = list.Select(_ => new List<float>()).ToArray();
        using var exemplars = Exemplars.to(model.Device);
        using var centre = Centre.to(model.Device);
        var onDevice = new ActivationNormaliser(Info.Metric, centre);
        foreach (var batch in Activations(model, list, Info.Positions, ct))
        {
            using var owned = batch;
            using var scope = NewDisposeScope();
            var dist = onDevice.Nearest(onDevice.Normalise(batch.Activations), exemplars).Distance.cpu().data<float>().ToArray();
            for (int r = 0; r < batch.Rows; r++) perText[batch.CorpusIndex[batch.TextOfRow[r]]].Add(dist[r]);
            progress?.Report(new ProgressUpdate(batch.CorpusIndex[^1] + 1, list.Count, "texts"));
        }
        return perText.Select((d, i) => new TextScore
        {
            Index = i,
            Tokens = d.Count,
            Mean = d.Count > 0 ? d.Average() : 0,
            Max = d.Count > 0 ? d.Max() : 0,
            FractionBeyondTheta = d.Count > 0 ? d.Count(x => x > Theta) / (double)d.Count : 0,
            TokenDistances = d.ToArray(),
        }).ToList();
    }

    /// <summary>Scores an in-set and an out-of-set corpus and reports how well each aggregate separates them.</summary>
    public OodReport EvaluateOod(LanguageModel model, IEnumerable<string> inSet, IEnumerable<string> outSet,
        IProgress<ProgressUpdate>? progress = null, CancellationToken ct = default)
    {
        return Compare(Score(model, inSet, progress, ct), Score(model, outSet, progress, ct));
    }

    /// <summary>How well each aggregate separates texts already scored (texts with no token are left out).</summary>
    public static OodReport Compare(IEnumerable<TextScore> inSet, IEnumerable<TextScore> outSet)
    {
        var ins = inSet.Where(s => s.Tokens > 0).ToList();
        var outs = outSet.Where(s => s.Tokens > 0).ToList();
        if (ins.Count == 0 || outs.Count == 0)
            throw new ArgumentException("both corpora need at least one text with a token to score");
        return new OodReport
        {
            InTexts = ins.Count,
            OutTexts = outs.Count,
            AurocMean = Auroc.Compute(ins.Select(s => s.Mean), outs.Select(s => s.Mean)),
            AurocMax = Auroc.Compute(ins.Select(s => s.Max), outs.Select(s => s.Max)),
            AurocFractionBeyondTheta = Auroc.Compute(ins.Select(s => s.FractionBeyondTheta), outs.Select(s => s.FractionBeyondTheta)),
            InMeanScore = ins.Average(s => s.Mean),
            OutMeanScore = outs.Average(s => s.Mean),
        };
    }
}

/// <summary>Area under the ROC curve, by the rank-sum (Mann-Whitney) formula with ties counted half.</summary>
public static class Auroc
{
    /// <summary>Probability that a random positive scores higher than a random negative (ties count 1/2).</summary>
    public static double Compute(IEnumerable<double> negatives, IEnumerable<double> positives)
    {
        var neg = negatives.ToArray();
        var pos = positives.ToArray();
        if (neg.Length == 0 || pos.Length == 0) throw new ArgumentException("AUROC needs at least one score on each side");
        var all = neg.Select(v => (Value: v, Positive: false)).Concat(pos.Select(v => (Value: v, Positive: true)))
            .OrderBy(x => x.Value).ToArray();
        double positiveRankSum = 0;
        for (int i = 0; i < all.Length;)
        {
            int j = i;
            while (j < all.Length && all[j].Value == all[i].Value) j++;
            double meanRank = (i + 1 + j) / 2.0;   // ranks i+1..j share their mean
            for (int k = i; k < j; k++) if (all[k].Positive) positiveRankSum += meanRank;
            i = j;
        }
        double u = positiveRankSum - pos.Length * (pos.Length + 1) / 2.0;
        return u / ((double)pos.Length * neg.Length);
    }
}
