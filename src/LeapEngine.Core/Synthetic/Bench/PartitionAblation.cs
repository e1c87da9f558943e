using LeapEngine.Core.Hooks;
using LeapEngine.Core.Partitioning;
using LeapEngine.Core.Runtime;
using LeapEngine.Core.Synthetic.Tasks;

namespace LeapEngine.Core.Synthetic.Bench;

/// <summary>
/// One ablation: the regions removed (EP's ablation: their directions projected out of a - c at every position)
/// and the model's accuracy on prompts whose answer is the category's and on prompts of the other categories,
/// before and after. A region that carries category c should cost c's prompts and spare the others.
/// </summary>
public sealed record AblationRow(int Category, string Answer, string Selection, int[] Regions, int CategoryPrompts, int OtherPrompts,
    double CategoryBefore, double CategoryAfter, double OthersBefore, double OthersAfter)
{
    public double CategoryDrop => CategoryBefore - CategoryAfter;
    public double OthersDrop => OthersBefore - OthersAfter;
    /// <summary>Drop on the category's prompts minus the drop on the others' (1: only the category broke).</summary>
    public double Specificity => CategoryDrop - OthersDrop;
}

/// <summary>
/// Ablation specificity: for each planted category, the regions that hold most of its entity tokens among the
/// probe positions (regions where it is the majority label, largest first), ablated one ("best region") and up to
/// <see cref="PartitionBenchOptions.MaxAblatedRegions"/> together ("matched regions"), against a control of as many
/// random regions not matched to the category.
/// </summary>
public static class PartitionAblation
{
    public static List<AblationRow> Run(LanguageModel model, LatentCategoryTask task, ExemplarDictionary dictionary,
        IReadOnlyList<int> entityRegions, IReadOnlyList<int> entityLabels, PartitionBenchOptions options, CancellationToken ct = default)
    {
        var matched = MatchRegions(entityRegions, entityLabels, LatentCategoryTask.CategoryCount);
        var rng = options.Generator(PartitionBenchOptions.Stream.Ablation);
        var sets = Enumerable.Range(0, LatentCategoryTask.CategoryCount)
            .Select(c => Enumerable.Range(0, options.AblationPromptsPerCategory)
                .Select(_ => task.Sample(rng, options.Length, c, 1 + rng.Next(3))).ToList())
            .ToList();
        var before = sets.Select(s => Accuracy(model, s, null, dictionary)).ToArray();
        var vocab = SyntheticVocabulary.Instance;
        var rows = new List<AblationRow>();
        for (int c = 0; c < sets.Count; c++)
        {
            var best = matched[c].Take(1).ToArray();
            var group = matched[c].Take(options.MaxAblatedRegions).ToArray();
            var others = Enumerable.Range(0, dictionary.RegionCount).Where(r => !matched[c].Contains(r)).ToArray();
            rng.Shuffle(others);
            var random = others.Take(group.Length).Order().ToArray();
            foreach (var (selection, regions) in new[] { ("best region", best), ("matched regions", group), ("random regions (control)", random) })
            {
                ct.ThrowIfCancellationRequested();
                var after = regions.Length == 0 ? before : sets.Select(s => Accuracy(model, s, regions, dictionary)).ToArray();
                int otherPrompts = sets.Where((_, k) => k != c).Sum(s => s.Count);
                double Others(double[] accuracy) => sets.Select((s, k) => k == c ? 0 : accuracy[k] * s.Count).Sum() / otherPrompts;
                rows.Add(new AblationRow(c, vocab.Word(task.AnswerFor(c))!, selection, regions, sets[c].Count, otherPrompts,
                    before[c], after[c], Others(before), Others(after)));
            }
        }
        return rows;
    }

    /// <summary>
    /// Per category, the regions whose most common label (among the labelled positions) is that category, the ones
    /// holding most of its positions first (ties: lower region id).
    /// </summary>
    public static List<int>[] MatchRegions(IReadOnlyList<int> regions, IReadOnlyList<int> labels, int categories)
    {
        if (regions.Count != labels.Count) throw new ArgumentException($"{regions.Count} regions but {labels.Count} labels");
        var counts = new Dictionary<int, int[]>();
        for (int i = 0; i < regions.Count; i++)
        {
            if (labels[i] < 0 || labels[i] >= categories) throw new ArgumentException($"label {labels[i]} is not a category in [0, {categories})");
            if (!counts.TryGetValue(regions[i], out var row)) counts[regions[i]] = row = new int[categories];
            row[labels[i]]++;
        }
        var result = Enumerable.Range(0, categories).Select(_ => new List<(int Region, int Count)>()).ToArray();
        foreach (var (region, row) in counts)
        {
            int majority = Array.IndexOf(row, row.Max());   // ties: the lower category
            result[majority].Add((region, row[majority]));
        }
        return result.Select(l => l.OrderByDescending(x => x.Count).ThenBy(x => x.Region).Select(x => x.Region).ToList()).ToArray();
    }

    /// <summary>Greedy accuracy on the prompts, with the regions ablated at the dictionary's hook (none: the model as is).</summary>
    public static double Accuracy(LanguageModel model, IReadOnlyList<SyntheticExample> prompts, int[]? regions, ExemplarDictionary dictionary)
    {
        dictionary.RequireCompatible(model);
        IDisposable? attached = null;
        var basis = regions is { Length: > 0 } ? dictionary.AblationBasis(regions, model.Device) : null;
        var centre = basis is null ? null : dictionary.Centre.to(model.Device);
        try
        {
            if (basis is not null)
            {
                int width = dictionary.Width;
                HookFunction hook = (x, _) => Interventions.Ablate(x.reshape(x.shape[0], x.shape[1], width), centre!, basis).reshape(x.shape);
                attached = model.Network.Attach((dictionary.Info.Hook, hook));
            }
            var answers = SyntheticEvaluator.Predict(model.Network, prompts.Select(p => p.Tokens).ToList());
            return (double)answers.Where((a, i) => a == prompts[i].Answer).Count() / prompts.Count;
        }
        finally
        {
            attached?.Dispose();
            basis?.Dispose();
            centre?.Dispose();
        }
    }
}
