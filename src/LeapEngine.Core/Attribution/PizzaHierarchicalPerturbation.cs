namespace LeapEngine.Core.Attribution;

/// <summary>
/// HiPe as Leap Laboratories' PIZZA library runs it (<c>hierarchical_perturbation</c> in its
/// <c>attribution/api_attribution.py</c>, with <c>get_masks</c> and <c>split_mask</c> from
/// <c>token_perturbation.py</c>), selected by <see cref="HipeMode.Pizza"/>:
/// <list type="number">
/// <item>First-stage chunks of the initial size with a stride of the same size (they do not overlap), starting half
/// a chunk before the first unit, so the two edge windows are half-size.</item>
/// <item>Every stage, each unit gets the mean of score / |chunk| over the chunks of that stage that cover it (0 when
/// none does), and the absolute value of that mean is added to its running cumulative saliency.</item>
/// <item>When no unit's cumulative saliency is above 0.01 the search stops; otherwise the threshold is the mid-range
/// (max + min) / 2 of the cumulative saliency over all units, and every chunk of more than one unit whose mean
/// cumulative saliency is at least the threshold is split in two halves (the first half gets |chunk| / 2 units,
/// rounded down), the halves deduplicated.</item>
/// <item>A unit's attribution is its cumulative saliency: unsigned, summed over every stage that covered it.</item>
/// </list>
/// Interpretations (see docs/attribution.md): the score is LeapEngine's log-probability drop of the completion (PIZZA's
/// default is a cosine distance of output embeddings, its alternative a mean probability drop), so the 0.01 stop is
/// 0.01 nats here; PIZZA's optional static threshold (off by default) is not offered; per output position the same
/// cumulative |mean| is kept, so a one-token completion's unit score is exactly the cumulative saliency the search
/// used, and a longer completion's is the sum of per-position ones (at least the search's |sum|).
/// </summary>
public static class PizzaHierarchicalPerturbation
{
    /// <summary>PIZZA's MIN_MAXIMUM_THRESHOLD: no unit above this cumulative saliency stops the search.</summary>
    public const double StopBelow = 0.01;

    private readonly record struct Chunk(int Start, int End)
    {
        public int Size => End - Start;
    }

    public static (CompletionDrop[] Units, int Stages, IReadOnlyList<HipeChunkScore> Chunks) Run(IAttributionScorer scorer, HipeOptions options)
    {
        options.Validate();
        int n = scorer.UnitCount;
        int outputs = scorer.CompletionTokenLogProbs.Count;
        int size = Math.Clamp(options.InitialChunkSize ?? Math.Max(2, n / 2), 1, n);
        var chunks = Windows(n, size);
        var cumulative = new double[n];
        var logProb = Enumerable.Range(0, n).Select(_ => new double[outputs]).ToArray();
        var probability = Enumerable.Range(0, n).Select(_ => new double[outputs]).ToArray();
        var trace = new List<HipeChunkScore>();
        int stage = 0;
        while (chunks.Count > 0)
        {
            stage++;
            var drops = scorer.Score(chunks.Select(c => (IReadOnlyList<int>)Enumerable.Range(c.Start, c.Size).ToList()).ToList(),
                $"HiPe (PIZZA) stage {stage}: {chunks.Count} chunks");
            // A stage's chunks are disjoint (the first windows tile the units, halves of disjoint chunks stay disjoint),
            // so each unit takes |score / chunk size| from the one chunk covering it, if any: PIZZA's mean over covering chunks.
            for (int i = 0; i < chunks.Count; i++)
            {
                var (c, d) = (chunks[i], drops[i]);
                for (int u = c.Start; u < c.End; u++)
                {
                    cumulative[u] += Math.Abs(d.Total / c.Size);
                    for (int j = 0; j < outputs; j++)
                    {
                        logProb[u][j] += Math.Abs(d.LogProb[j] / c.Size);
                        probability[u][j] += Math.Abs(d.Probability[j] / c.Size);
                    }
                }
            }

            double max = cumulative.Max();
            bool stop = max <= StopBelow || stage >= options.MaxDepth;
            double mid = (max + cumulative.Min()) / 2;
            var split = chunks.Select((c, i) => !stop && c.Size > 1 && Mean(cumulative, c) >= mid).ToArray();
            trace.AddRange(chunks.Select((c, i) => new HipeChunkScore(stage, c.Start, c.End, drops[i].Total, split[i])));
            chunks = chunks.Where((_, i) => split[i])
                .SelectMany(c => new[] { new Chunk(c.Start, c.Start + c.Size / 2), new Chunk(c.Start + c.Size / 2, c.End) })
                .ToList();   // still disjoint and in order
        }
        var units = Enumerable.Range(0, n).Select(u => new CompletionDrop(logProb[u], probability[u])).ToArray();
        return (units, stage, trace);
    }

    /// <summary>
    /// Most chunks the search can score for <paramref name="units"/> units: each first-stage window is the root of a
    /// binary tree of halvings with at most 2 x its size - 1 nodes, and the windows partition the units, so 2n.
    /// </summary>
    public static long MaxEvaluations(int units) => 2L * units;

    private static double Mean(double[] values, Chunk c) => values[c.Start..c.End].Average();

    /// <summary>
    /// PIZZA's first-stage windows: size <paramref name="size"/>, stride <paramref name="size"/>, starting at
    /// -(size / 2) and running while the start is below n + size / 2, each clipped to [0, n); empty ones dropped.
    /// </summary>
    private static List<Chunk> Windows(int n, int size)
    {
        int padding = size / 2;
        var result = new List<Chunk>();
        for (int start = -padding; start < n + padding; start += size)
        {
            var c = new Chunk(Math.Max(0, start), Math.Min(n, start + size));
            if (c.Size > 0) result.Add(c);
        }
        return result;
    }
}
