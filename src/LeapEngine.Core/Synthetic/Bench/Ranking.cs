namespace LeapEngine.Core.Synthetic.Bench;

/// <summary>
/// Ranks of units by score (highest first) that treat ties fairly. A search method often leaves most units at exactly
/// 0; ordering those by position would credit whatever sits first (the system word of a system-rule prompt), so tied
/// units share their places: a unit's rank is its mid-rank, and "in the top k" is the probability under a uniformly
/// random order of the tied units.
/// </summary>
public static class Ranking
{
    /// <summary>1 + the units scored higher + half the other units scored the same.</summary>
    public static double MidRank(IReadOnlyList<double> scores, int unit)
    {
        var (greater, equal) = Standing(scores, unit);
        return greater + (equal + 1) / 2.0;
    }

    /// <summary>The probability that <paramref name="unit"/> is among the first <paramref name="k"/> when ties are ordered at random.</summary>
    public static double InTopK(IReadOnlyList<double> scores, int unit, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var (greater, equal) = Standing(scores, unit);
        return Math.Clamp((double)(k - greater) / equal, 0, 1);
    }

    /// <summary>
    /// The probability that the first |units| places hold exactly <paramref name="units"/> when ties are ordered at
    /// random: 0 if any other unit scores above the lowest of them, else 1 / C(tied at that score, of them tied there).
    /// </summary>
    public static double AllInTopK(IReadOnlyList<double> scores, IReadOnlyCollection<int> units)
    {
        if (units.Count == 0) throw new ArgumentException("no units to rank");
        var set = units.ToHashSet();
        if (set.Count != units.Count) throw new ArgumentException("the units repeat");
        double lowest = set.Min(u => scores[u]);
        if (Enumerable.Range(0, scores.Count).Any(i => !set.Contains(i) && scores[i] > lowest)) return 0;
        int tied = scores.Count(s => s == lowest);
        int tiedOfThem = set.Count(u => scores[u] == lowest);
        double ways = 1;   // C(tied, tiedOfThem)
        for (int i = 0; i < tiedOfThem; i++) ways = ways * (tied - i) / (i + 1);
        return 1 / ways;
    }

    private static (int Greater, int Equal) Standing(IReadOnlyList<double> scores, int unit)
    {
        if (unit < 0 || unit >= scores.Count) throw new ArgumentOutOfRangeException(nameof(unit), $"unit {unit} is not one of the {scores.Count} scored");
        double s = scores[unit];
        if (!double.IsFinite(s)) throw new ArgumentException($"unit {unit} has no finite score ({s})");
        return (scores.Count(x => x > s), scores.Count(x => x == s));
    }
}
