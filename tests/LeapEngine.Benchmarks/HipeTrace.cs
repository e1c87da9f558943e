using LeapEngine.Core.Attribution;

namespace LeapEngine.Benchmarks;

/// <summary>
/// A few lines per prompt that say where HiPe's search went relative to the key words (which
/// the benchmark knows and HiPe does not): the key words' final ranks, and per stage the
/// chunks that hold a key word (score, * = split) against the strongest chunk without one.
/// </summary>
public static class HipeTrace
{
    public static string Describe(AttributionResult r, KeyWordPrompt p)
    {
        var order = r.Units.OrderByDescending(u => u.Score).Select(u => u.Index).ToList();
        var ranks = p.KeyUnits.Select(k => order.IndexOf(k) + 1).ToList();
        var topFiller = order.First(u => !p.KeyUnits.Contains(u));
        string head = $"key at {string.Join(",", p.KeyUnits)} ranks {string.Join(",", ranks)} " +
                      $"(scores {string.Join(",", p.KeyUnits.Select(k => r.Units[k].Score.ToString("F2")))}; top filler #{topFiller} {r.Units[topFiller].Score:F2}); " +
                      $"{r.Evaluations} evals";
        if (r.HipeChunks is null) return head;
        bool HasKey(HipeChunkScore c) => p.KeyUnits.Any(k => k >= c.Start && k < c.End);
        string Show(HipeChunkScore c) => $"[{c.Start},{c.End}){c.Score:+0.00;-0.00}{(c.Split ? "*" : "")}";
        var stages = r.HipeChunks.GroupBy(c => c.Stage).Select(g =>
        {
            var other = g.Where(c => !HasKey(c)).OrderByDescending(c => Math.Abs(c.Score)).FirstOrDefault();
            return $"s{g.Key} ({g.Count()} chunks, {g.Count(c => c.Split)} split): key " + string.Join(" ", g.Where(HasKey).Select(Show)) +
                   (other is null ? "" : $" | best other {Show(other)}");
        });
        return head + "\n      " + string.Join("\n      ", stages);
    }
}
