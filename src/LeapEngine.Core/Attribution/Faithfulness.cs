namespace LeapEngine.Core.Attribution;

public sealed record FaithfulnessOptions
{
    /// <summary>Points on each curve besides 0: units are removed/added in this many equal steps.</summary>
    public int Steps { get; init; } = 20;
    /// <summary>Fractions of the units (top by attribution) for ERASER comprehensiveness and sufficiency.</summary>
    public IReadOnlyList<double> EraserFractions { get; init; } = [0.01, 0.05, 0.10, 0.20, 0.50];

    public void Validate()
    {
        if (Steps < 1 || Steps > 1000) throw new ArgumentException($"faithfulness steps must be in [1, 1000], got {Steps}");
        if (EraserFractions.Any(f => !(f > 0 && f <= 1))) throw new ArgumentException("ERASER fractions must lie in (0, 1]");
    }
}

/// <summary>Completion log-probability with the top <paramref name="Units"/> units removed (deletion) or kept (insertion).</summary>
public sealed record CurvePoint(double Fraction, int Units, double LogProb);

/// <summary>
/// ERASER at the top <paramref name="Fraction"/> of units: comprehensiveness = log-prob drop
/// when they are perturbed; sufficiency = drop when only they are left (all others perturbed).
/// High comprehensiveness and low sufficiency mean the attribution found what matters.
/// </summary>
public sealed record EraserPoint(double Fraction, int Units, double Comprehensiveness, double Sufficiency);

public sealed class FaithfulnessReport
{
    public required IReadOnlyList<CurvePoint> Deletion { get; init; }
    /// <summary>Area under the deletion curve (fraction on x, log-prob on y): lower = more faithful.</summary>
    public required double DeletionAuc { get; init; }
    public required IReadOnlyList<CurvePoint> Insertion { get; init; }
    /// <summary>Area under the insertion curve: higher = more faithful.</summary>
    public required double InsertionAuc { get; init; }
    public required IReadOnlyList<EraserPoint> Eraser { get; init; }
    public required int Evaluations { get; init; }
}

/// <summary>
/// Checks an attribution against the model: perturb units in decreasing attribution order
/// (with the same perturbation as the attribution) and watch the completion's log-probability.
/// </summary>
public static class Faithfulness
{
    public static FaithfulnessReport Compute(IAttributionScorer scorer, IReadOnlyList<double> scores, FaithfulnessOptions options)
    {
        options.Validate();
        int n = scores.Count;
        var ranked = Enumerable.Range(0, n).OrderByDescending(u => scores[u]).ThenBy(u => u).ToArray();
        var counts = Enumerable.Range(0, options.Steps + 1).Select(s => (int)Math.Round((double)s * n / options.Steps)).Distinct().ToList();
        var eraserCounts = options.EraserFractions.Select(f => Math.Clamp((int)Math.Ceiling(f * n), 1, n)).ToList();

        // Every distinct set of perturbed units is evaluated once; the unperturbed prompt is already known.
        var sets = new Dictionary<string, IReadOnlyList<int>>();
        IReadOnlyList<int> Top(int k) => ranked.Take(k).OrderBy(u => u).ToList();
        IReadOnlyList<int> AllBut(int k) => ranked.Skip(k).OrderBy(u => u).ToList();
        string Key(IReadOnlyList<int> set) => string.Join(',', set);
        void Want(IReadOnlyList<int> set) { if (set.Count > 0) sets.TryAdd(Key(set), set); }
        foreach (int k in counts.Concat(eraserCounts)) { Want(Top(k)); Want(AllBut(k)); }
        var list = sets.Values.ToList();
        var drops = scorer.Score(list, "faithfulness curves");
        var total = new Dictionary<string, double> { [""] = 0 };
        for (int i = 0; i < list.Count; i++) total[Key(list[i])] = drops[i].Total;
        double LogProb(IReadOnlyList<int> perturbed) => scorer.BaseLogProb - total[Key(perturbed)];

        var deletion = counts.Select(k => new CurvePoint((double)k / n, k, LogProb(Top(k)))).ToList();
        var insertion = counts.Select(k => new CurvePoint((double)k / n, k, LogProb(AllBut(k)))).ToList();
        var eraser = options.EraserFractions.Zip(eraserCounts, (f, k) =>
            new EraserPoint(f, k, scorer.BaseLogProb - LogProb(Top(k)), scorer.BaseLogProb - LogProb(AllBut(k)))).ToList();
        return new FaithfulnessReport
        {
            Deletion = deletion, DeletionAuc = Area(deletion),
            Insertion = insertion, InsertionAuc = Area(insertion),
            Eraser = eraser, Evaluations = list.Count,
        };
    }

    /// <summary>Trapezoid area over the fraction axis [0, 1].</summary>
    private static double Area(IReadOnlyList<CurvePoint> curve)
    {
        double area = 0;
        for (int i = 1; i < curve.Count; i++)
            area += (curve[i].Fraction - curve[i - 1].Fraction) * (curve[i].LogProb + curve[i - 1].LogProb) / 2;
        return area;
    }
}
