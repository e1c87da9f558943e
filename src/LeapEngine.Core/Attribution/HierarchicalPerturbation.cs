namespace LeapEngine.Core.Attribution;

/// <summary>
/// HiPe: a thresholded binary search over the units. Overlapping chunks are scored first;
/// only chunks whose units look salient are split in halves and scored again, so a prompt
/// whose answer rests on a few units costs far fewer evaluations than one per unit.
/// </summary>
public static class HierarchicalPerturbation
{
    /// <summary>A chunk [Start, End) of unit indices.</summary>
    private readonly record struct Chunk(int Start, int End)
    {
        public int Size => End - Start;
    }

    private readonly record struct Cover(int Size, CompletionDrop Drop);

    public static (CompletionDrop[] Units, int Stages, IReadOnlyList<HipeChunkScore> Chunks) Run(IAttributionScorer scorer, HipeOptions options)
    {
        options.Validate();
        int n = scorer.UnitCount;
        int size = Math.Clamp(options.InitialChunkSize ?? Math.Max(2, n / 2), 1, n);
        var chunks = Windows(n, size);
        var scored = new Dictionary<Chunk, CompletionDrop>();
        var running = new double[n];
        var covers = Enumerable.Range(0, n).Select(_ => new List<Cover>()).ToArray();
        var trace = new List<HipeChunkScore>();
        int stage = 0;
        while (chunks.Count > 0)
        {
            stage++;
            var fresh = chunks.Where(c => !scored.ContainsKey(c)).ToList();
            var drops = scorer.Score(fresh.Select(c => (IReadOnlyList<int>)Enumerable.Range(c.Start, c.Size).ToList()).ToList(),
                $"HiPe stage {stage}: {fresh.Count} chunks");
            for (int i = 0; i < fresh.Count; i++) scored[fresh[i]] = drops[i];

            // Running saliency: this stage's mean |score| (or positive part) per unit of the chunks covering each unit, summed over stages.
            var sum = new double[n];
            var count = new int[n];
            foreach (var c in chunks)
            {
                var drop = scored[c];
                double perUnit = Strength(drop, options) / c.Size;
                for (int u = c.Start; u < c.End; u++)
                {
                    sum[u] += perUnit;
                    count[u]++;
                    covers[u].Add(new Cover(c.Size, drop));
                }
            }
            for (int u = 0; u < n; u++) if (count[u] > 0) running[u] += sum[u] / count[u];

            double max = running.Max(), mid = (max + running.Min()) / 2;
            // The Relative rule's yardstick: the strongest chunk of this stage (raw score, not per unit).
            double strongest = chunks.Max(c => Strength(scored[c], options));
            bool last = stage >= options.MaxDepth || max < options.MinSaliency;
            // A beam: at most MaxSplitsPerStage chunks (the strongest) go on, which bounds the cost when many chunks clear the threshold.
            var split = chunks.Where(c => !last && c.Size > 1 && Splits(c, scored[c], running, mid, strongest, options))
                .OrderByDescending(c => Strength(scored[c], options)).ThenBy(c => c.Start)
                .Take(options.MaxSplitsPerStage ?? int.MaxValue).ToHashSet();
            trace.AddRange(chunks.Select(c => new HipeChunkScore(stage, c.Start, c.End, scored[c].Total, split.Contains(c))));
            if (last) break;
            chunks = split
                .SelectMany(c => new[] { new Chunk(c.Start, c.Start + c.Size / 2), new Chunk(c.Start + c.Size / 2, c.End) })
                .Distinct().OrderBy(c => c.Start).ThenBy(c => c.End).ToList();
        }
        var units = covers.Select(c => Aggregate(c, options.Aggregation, scorer.CompletionTokenLogProbs.Count)).ToArray();
        return (units, stage, trace);
    }

    private static bool Splits(Chunk c, CompletionDrop drop, double[] running, double mid, double strongest, HipeOptions o)
    {
        double strength = Strength(drop, o);
        return o.Threshold switch
        {
            HipeThreshold.MidRange => running[c.Start..c.End].Average() >= mid,
            HipeThreshold.Static => strength > o.StaticThreshold,
            HipeThreshold.Relative => strength > 0 && strength >= o.RelativeThreshold * strongest,
            _ => running[c.Start..c.End].Average() >= mid || strength > o.StaticThreshold,
        };
    }

    /// <summary>The part of a chunk's signed score that counts for thresholds and saliency.</summary>
    private static double Strength(CompletionDrop drop, HipeOptions o) =>
        o.Saliency == HipeSaliency.Positive ? Math.Max(0, drop.Total) : Math.Abs(drop.Total);

    /// <summary>
    /// Chunks of <paramref name="size"/> units with stride size/2; the edges get half-size
    /// windows so every unit is covered by two chunks (one when size is 1).
    /// </summary>
    private static List<Chunk> Windows(int n, int size)
    {
        int stride = Math.Max(1, size / 2);
        int first = size > 1 ? -stride : 0;
        var result = new List<Chunk>();
        for (int start = first; start < n; start += stride)
        {
            var c = new Chunk(Math.Max(0, start), Math.Min(n, start + size));
            if (c.Size > 0 && !result.Contains(c)) result.Add(c);
        }
        return result;
    }

    /// <summary>A unit's attribution from the chunks that covered it, each as score / chunk size.</summary>
    private static CompletionDrop Aggregate(List<Cover> covers, HipeAggregation mode, int outputs)
    {
        if (covers.Count == 0) return new CompletionDrop(new double[outputs], new double[outputs]);
        var used = mode == HipeAggregation.Finest ? covers.Where(c => c.Size == covers.Min(x => x.Size)).ToList() : covers;
        double scale = mode == HipeAggregation.Sum ? 1 : 1.0 / used.Count;
        var logProb = new double[outputs];
        var probability = new double[outputs];
        foreach (var c in used)
            for (int j = 0; j < outputs; j++)
            {
                logProb[j] += scale * c.Drop.LogProb[j] / c.Size;
                probability[j] += scale * c.Drop.Probability[j] / c.Size;
            }
        return new CompletionDrop(logProb, probability);
    }
}
