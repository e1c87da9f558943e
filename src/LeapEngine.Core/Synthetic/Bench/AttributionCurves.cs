using LeapEngine.Core.Attribution;
using LeapEngine.Core.Runtime;
using LeapEngine.Core.Synthetic.Tasks;

namespace LeapEngine.Core.Synthetic.Bench;

/// <summary>One point of an evaluations-vs-recall curve: a configuration's mean scores in one cell, on one benchmark seed.</summary>
public sealed record AttributionCurveRow(
    int Seed, string Family, string Config, string Perturbation, int Length, string Density, int Planted, int Prompts,
    double RecallAtK, double TopIsPlanted, double MeanBestRank, double MeanEvaluations, int ModelCorrect)
{
    public static AttributionCurveRow From(int seed, string family, AttributionBenchRow r) =>
        new(seed, family, r.Config, r.Perturbation, r.Length, r.Density, r.Planted, r.Prompts,
            r.RecallAtK, r.TopIsPlanted, r.MeanBestRank, r.MeanEvaluations, r.ModelCorrect);
}

/// <summary>
/// One cell (perturbation, length, density, configuration) pooled over the benchmark seeds that ran it: every mean
/// weighted by the seed's prompts, so seeds with more prompts count for more. <see cref="Seeds"/> lists them and
/// <see cref="SeedRecalls"/> holds each seed's own recall@k, in the same order (the spread a pooled mean hides).
/// </summary>
public sealed record AttributionCurveCell(
    string Perturbation, int Length, string Density, int Planted, string Config, string Family, int Prompts,
    IReadOnlyList<int> Seeds, IReadOnlyList<double> SeedRecalls,
    double RecallAtK, double TopIsPlanted, double MeanBestRank, double MeanEvaluations, int ModelCorrect);

/// <summary>
/// Issue 20's curves: forward passes against recall of the planted key, for ItP, HiPe's default mode and its
/// PIZZA mode over thresholds and first chunk sizes, at key densities of 1%, 10% and 50% of the words, on every
/// prompt length and perturbation asked, for each benchmark seed (the seed draws the prompts, paired across
/// configurations). The scoring is <see cref="AttributionBench"/>'s.
/// </summary>
public static class AttributionCurves
{
    public static IReadOnlyList<(string Label, Func<int, int> Copies)> Densities { get; } =
    [
        ("1%", n => Math.Max(1, (int)Math.Round(0.01 * n))),
        ("10%", n => Math.Max(1, (int)Math.Round(0.1 * n))),
        ("50%", n => Math.Max(1, (int)Math.Round(0.5 * n))),
    ];

    /// <summary>ItP; the default mode at three relative thresholds and two fixed first chunk sizes; PIZZA at three first chunk sizes.</summary>
    public static IReadOnlyList<AttributionConfig> Configs { get; } =
    [
        new("itp", "itp", new HipeOptions()),
        new("default relative 0.1", "hipe", new HipeOptions { RelativeThreshold = 0.1 }),
        new("default relative 0.25", "hipe", new HipeOptions()),
        new("default relative 0.5", "hipe", new HipeOptions { RelativeThreshold = 0.5 }),
        new("default chunks of 8", "hipe", new HipeOptions { InitialChunkSize = 8 }),
        new("default chunks of 32", "hipe", new HipeOptions { InitialChunkSize = 32 }),
        new("pizza", "hipe", new HipeOptions { Mode = HipeMode.Pizza }),
        new("pizza chunks of 8", "hipe", new HipeOptions { Mode = HipeMode.Pizza, InitialChunkSize = 8 }),
        new("pizza chunks of 32", "hipe", new HipeOptions { Mode = HipeMode.Pizza, InitialChunkSize = 32 }),
    ];

    /// <summary>"itp", "hipe default" or "hipe pizza": the curve family a configuration belongs to.</summary>
    public static string Family(AttributionConfig config) =>
        config.Method == "itp" ? "itp" : config.Hipe.Mode == HipeMode.Pizza ? "hipe pizza" : "hipe default";

    public static List<AttributionCurveRow> Run(LanguageModel model, KeyRetrievalTask task, IReadOnlyList<int> lengths, int promptsPerCell,
        IReadOnlyList<AttributionConfig> configs, IReadOnlyList<string> perturbations, IReadOnlyList<int> seeds,
        IProgress<string>? progress = null, Action<AttributionCurveRow>? onRow = null, CancellationToken ct = default)
    {
        var families = configs.ToDictionary(c => c.Label, Family);
        var rows = new List<AttributionCurveRow>();
        foreach (int seed in seeds)
            foreach (var perturbation in perturbations)
                AttributionBench.Run(model, task, lengths, promptsPerCell, configs, perturbation, seed,
                    progress is null ? null : new Prefixed(progress, $"seed {seed}, {perturbation}, "),
                    r =>
                    {
                        var row = AttributionCurveRow.From(seed, families[r.Config], r);
                        rows.Add(row);
                        onRow?.Invoke(row);
                    }, ct, Densities);
        return rows;
    }

    /// <summary>
    /// Each configuration's mean over the given rows (every length, density, perturbation and seed in them): the
    /// summary the defaults are chosen from (highest mean recall@k, then fewest forward passes).
    /// </summary>
    public static List<(string Config, string Family, double RecallAtK, double MeanEvaluations, int Cells)> Summary(IEnumerable<AttributionCurveRow> rows) =>
        rows.GroupBy(r => (r.Config, r.Family))
            .Select(g => (Config: g.Key.Config, Family: g.Key.Family, RecallAtK: g.Average(r => r.RecallAtK),
                MeanEvaluations: g.Average(r => r.MeanEvaluations), Cells: g.Count()))
            .OrderBy(s => s.Family).ThenByDescending(s => s.RecallAtK).ThenBy(s => s.MeanEvaluations).ToList();

    /// <summary>
    /// Pools rows of the same cell over seeds (prompt-weighted means), in the order cells first appear. Refuses a seed
    /// given twice for a cell (a file passed twice would double its prompts) and rows of one cell that disagree on the
    /// planted copies (rows of another model or density rule).
    /// </summary>
    public static List<AttributionCurveCell> Pool(IEnumerable<AttributionCurveRow> rows) =>
        rows.GroupBy(r => (r.Perturbation, r.Length, r.Density, r.Config))
            .Select(g =>
            {
                var list = g.ToList();
                if (list.GroupBy(r => r.Seed).FirstOrDefault(s => s.Count() > 1) is { } twice)
                    throw new ArgumentException($"seed {twice.Key} appears twice for {g.Key.Config} at {g.Key.Length} words, {g.Key.Density}, {g.Key.Perturbation} (is a rows file given twice?)");
                if (list.Select(r => r.Planted).Distinct().Count() > 1)
                    throw new ArgumentException($"rows for {g.Key.Config} at {g.Key.Length} words, {g.Key.Density} plant different numbers of copies: {string.Join(", ", list.Select(r => r.Planted).Distinct())}");
                int prompts = list.Sum(r => r.Prompts);
                double Mean(Func<AttributionCurveRow, double> value) => list.Sum(r => value(r) * r.Prompts) / prompts;
                var bySeed = list.OrderBy(r => r.Seed).ToList();
                return new AttributionCurveCell(g.Key.Perturbation, g.Key.Length, g.Key.Density, list[0].Planted, g.Key.Config, list[0].Family,
                    prompts, bySeed.Select(r => r.Seed).ToList(), bySeed.Select(r => r.RecallAtK).ToList(),
                    Mean(r => r.RecallAtK), Mean(r => r.TopIsPlanted), Mean(r => r.MeanBestRank), Mean(r => r.MeanEvaluations), list.Sum(r => r.ModelCorrect));
            }).ToList();

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; would post to the thread pool and reorder lines).</summary>
    private sealed class Prefixed(IProgress<string> inner, string prefix) : IProgress<string>
    {
        public void Report(string value) => inner.Report(prefix + value);
    }
}
