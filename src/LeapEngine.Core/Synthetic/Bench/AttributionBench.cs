using LeapEngine.Core.Attribution;
using LeapEngine.Core.Runtime;
using LeapEngine.Core.Synthetic.Tasks;

namespace LeapEngine.Core.Synthetic.Bench;

/// <summary>One attribution configuration the benchmark scores (a label and the request fields it sets).</summary>
public sealed record AttributionConfig(string Label, string Method, HipeOptions Hipe)
{
    /// <summary>ItP, today's HiPe default, the MidRange rule, and the default with other thresholds and first chunk sizes.</summary>
    public static IReadOnlyList<AttributionConfig> Standard { get; } =
    [
        new("itp", "itp", new HipeOptions()),
        new("hipe default (relative 0.25)", "hipe", new HipeOptions()),
        new("hipe relative 0.1", "hipe", new HipeOptions { RelativeThreshold = 0.1 }),
        new("hipe relative 0.5", "hipe", new HipeOptions { RelativeThreshold = 0.5 }),
        new("hipe first chunks of 4", "hipe", new HipeOptions { InitialChunkSize = 4 }),
        new("hipe first chunks of 16", "hipe", new HipeOptions { InitialChunkSize = 16 }),
        new("hipe midrange, absolute, mean (issue rule)", "hipe", new HipeOptions
        {
            Threshold = HipeThreshold.MidRange, Saliency = HipeSaliency.Absolute, Aggregation = HipeAggregation.Mean, MaxSplitsPerStage = null,
        }),
    ];
}

/// <summary>Mean scores of one configuration on prompts of one length and key density.</summary>
public sealed record AttributionBenchRow(
    string Config, string Perturbation, int Length, string Density, int Planted, int Prompts,
    double RecallAtK, double TopIsPlanted, double MeanBestRank, double MeanEvaluations, int ModelCorrect);

/// <summary>
/// Attribution against planted answers on a key-retrieval model: for prompts of each length with the key
/// planted once, at 10% or at 50% of the positions, how many of the top-k units (k = planted copies) are
/// planted (recall@k), whether the top unit is planted, the best rank of a planted unit, and the forward
/// passes used. The answer is the model's own (greedy), so a prompt the model gets wrong still counts
/// (ModelCorrect says how many it got right).
/// </summary>
public static class AttributionBench
{
    public static IReadOnlyList<(string Label, Func<int, int> Copies)> Densities { get; } =
    [
        ("one key", _ => 1),
        ("10%", n => Math.Max(1, (int)Math.Round(0.1 * n))),
        ("50%", n => Math.Max(1, (int)Math.Round(0.5 * n))),
    ];

    public static List<AttributionBenchRow> Run(LanguageModel model, KeyRetrievalTask task, IReadOnlyList<int> lengths,
        int promptsPerCell, IReadOnlyList<AttributionConfig> configs, string perturbation, int seed,
        IProgress<string>? progress = null, Action<AttributionBenchRow>? onRow = null, CancellationToken ct = default,
        IReadOnlyList<(string Label, Func<int, int> Copies)>? densities = null)
    {
        var vocab = SyntheticVocabulary.Instance;
        var rows = new List<AttributionBenchRow>();
        foreach (int length in lengths)
        {
            var cells = densities ?? Densities;
            for (int d = 0; d < cells.Count; d++)
            {
                var (density, copiesFor) = cells[d];
                int copies = copiesFor(length);
                // The same prompts for every configuration: the comparison is paired.
                var rng = BenchRandom.For(seed, length * 101 + d);
                var examples = Enumerable.Range(0, promptsPerCell).Select(_ => task.Sample(rng, length, copies)).ToList();
                int correct = SyntheticEvaluator.Predict(model.Network, examples.Select(e => e.Tokens).ToList())
                    .Where((a, i) => a == examples[i].Answer).Count();
                foreach (var config in configs)
                {
                    ct.ThrowIfCancellationRequested();
                    progress?.Report($"length {length}, {density}: {config.Label}");
                    double recall = 0, top = 0, rank = 0, evaluations = 0;
                    foreach (var e in examples)
                    {
                        var result = AttributionEngine.Run(model, new AttributionRequest
                        {
                            Text = vocab.Text(e.Tokens), Method = config.Method, Hipe = config.Hipe, Unit = "word",
                            Perturbation = perturbation, MaxNewTokens = 1,
                        }, ct: ct);
                        var planted = e.Planted.ToHashSet();
                        var order = result.Units.OrderByDescending(u => u.Score).ThenBy(u => u.Index).Select(u => u.Index).ToList();
                        recall += (double)order.Take(planted.Count).Count(planted.Contains) / planted.Count;
                        top += planted.Contains(order[0]) ? 1 : 0;
                        rank += order.FindIndex(planted.Contains) + 1;
                        evaluations += result.Evaluations;
                    }
                    int n = examples.Count;
                    var row = new AttributionBenchRow(config.Label, perturbation, length, density, copies, n,
                        recall / n, top / n, rank / n, evaluations / n, correct);
                    rows.Add(row);
                    onRow?.Invoke(row);   // long runs show each row as it is done
                }
            }
        }
        return rows;
    }
}
