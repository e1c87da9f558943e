using LeapEngine.Cli.Plots;
using LeapEngine.Core.Synthetic.Bench;

namespace LeapEngine.Cli.Commands.Synth;

/// <summary>
/// The partition benchmark's figures, from the results of one or more models (each labelled, e.g. by its seed): bars are
/// means over the models, dots each model's own figure. Agreement (AMI per hook and labelling), ablation specificity
/// (per hook and selection) and out-of-set AUROC (per contrast and hook).
/// </summary>
public static class PartitionBenchFigures
{
    public static List<string> Draw(IReadOnlyList<(string Label, IReadOnlyList<PartitionBenchResult> Results)> models, string folder, string prefix)
    {
        if (models.Count == 0 || models.All(m => m.Results.Count == 0)) throw new ArgumentException("no partition results to draw");
        var all = models.SelectMany(m => m.Results).ToList();
        var hooks = all.Select(r => r.Hook).Distinct().ToList();
        string over = $"models {string.Join(", ", models.Select(m => m.Label))}";   // the labels, e.g. the model seeds

        // Every model's value in a cell: a model without that hook or row adds nothing.
        IReadOnlyList<double> Values(Func<IReadOnlyList<PartitionBenchResult>, IEnumerable<double>> pick) =>
            models.SelectMany(m => pick(m.Results)).ToList();

        var labellings = all.SelectMany(r => r.Agreement.Select(a => a.Labels)).Distinct().ToList();
        var agreement = Path.Combine(folder, $"{prefix}-agreement.png");
        BenchBars.SaveGrouped(agreement, $"EP regions vs the planted labels: AMI ({over})", "AMI", hooks,
            labellings.Select(l => new BarSeries(Short(l), hooks.Select(h => Values(rs =>
                rs.Where(r => r.Hook == h).SelectMany(r => r.Agreement).Where(a => a.Labels == l).Select(a => a.Ami))).ToList())).ToList(),
            yRange: (-0.02, 1.02));

        var selections = all.SelectMany(r => r.Ablation.Select(a => a.Selection)).Distinct().ToList();
        var ablation = Path.Combine(folder, $"{prefix}-ablation.png");
        BenchBars.SaveGrouped(ablation, $"ablation specificity: category drop - others' drop ({over})", "mean specificity over categories", hooks,
            selections.Select(s => new BarSeries(s, hooks.Select(h => Values(rs =>
                rs.Where(r => r.Hook == h).Select(r => r.Ablation.Where(a => a.Selection == s).ToList())
                  .Where(rows => rows.Count > 0).Select(rows => rows.Average(a => a.Specificity)))).ToList())).ToList());

        var outSets = all.SelectMany(r => r.Ood.Select(o => (o.OutSet, o.Difficulty))).Distinct().ToList();
        var ood = Path.Combine(folder, $"{prefix}-ood.png");
        BenchBars.SaveGrouped(ood, $"out-of-set AUROC, mean distance; 0.5 = chance ({over})", "AUROC",
            outSets.Select(o => $"{Short(o.OutSet)}\n({o.Difficulty.Split(' ')[0]})").ToList(),
            hooks.Select(h => new BarSeries(h, outSets.Select(o => Values(rs =>
                rs.Where(r => r.Hook == h).SelectMany(r => r.Ood).Where(x => x.OutSet == o.OutSet).Select(x => x.AurocMean))).ToList())).ToList(),
            yRange: (-0.02, 1.02));
        return [Path.GetFullPath(agreement), Path.GetFullPath(ablation), Path.GetFullPath(ood)];
    }

    /// <summary>A label without its parenthesised explanation: "answer state at every position (latest ...)" → "answer state at every position".</summary>
    private static string Short(string label) => label.Split(" (")[0];
}
