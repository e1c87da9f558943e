namespace LeapEngine.Core.Synthetic.Bench;

/// <summary>One optimisation-bench run with what identifies its cell: the model it searched and the work budget it had.</summary>
public sealed record BudgetedRun(string Model, long MaxWork, OptimisationBenchRun Run);

/// <summary>
/// One method's results at one work budget, pooled over models, targets and optimiser seeds. A target instance is a
/// (model, trigger) pair; <see cref="SuccessLow"/>..<see cref="SuccessHigh"/> is the 95% Wilson interval of the
/// success rate (runs are few, so the interval says how far the rate can be trusted).
/// </summary>
public sealed record OptimisationBudgetRow(
    long MaxWork, string Method, int Runs, int Succeeded, int RecoveredTrigger, int TargetsSolved, int TargetInstances,
    double SuccessRate, double SuccessLow, double SuccessHigh, double RecoveredRate);

/// <summary>
/// Success against budget for the optimisation bench: the runs of several bench files (one per model and budget,
/// <c>leap synth bench optimise --json</c>) pooled per budget and method. Each budget is a separate run of the
/// optimiser, not a cut of a longer one: the hybrid gives its descent phase a share of the budget, so a larger
/// budget changes its whole search, not only where it stops.
/// </summary>
public static class OptimisationBudgets
{
    /// <summary>Rows ordered by budget, then by method in the order the methods first appear.</summary>
    public static List<OptimisationBudgetRow> Summarise(IReadOnlyList<BudgetedRun> runs)
    {
        // The same search counted twice (a file given twice, or overlapping seeds) would inflate every rate.
        var twice = runs.GroupBy(r => (r.Model, r.MaxWork, r.Run.Method, r.Run.Trigger, r.Run.Seed)).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
            throw new ArgumentException($"run counted twice: model {twice.Key.Model}, budget {twice.Key.MaxWork}, {twice.Key.Method}, trigger {twice.Key.Trigger}, seed {twice.Key.Seed} (is a file given twice?)");
        var methods = runs.Select(r => r.Run.Method).Distinct().ToList();
        return runs.GroupBy(r => (r.MaxWork, r.Run.Method))
            .OrderBy(g => g.Key.MaxWork).ThenBy(g => methods.IndexOf(g.Key.Method))
            .Select(g =>
            {
                int n = g.Count(), won = g.Count(r => r.Run.Succeeded), recovered = g.Count(r => r.Run.ContainsTrigger == true);
                var (low, high) = Wilson(won, n);
                return new OptimisationBudgetRow(g.Key.MaxWork, g.Key.Method, n, won, recovered,
                    g.Where(r => r.Run.Succeeded).Select(r => (r.Model, r.Run.Trigger)).Distinct().Count(),
                    g.Select(r => (r.Model, r.Run.Trigger)).Distinct().Count(),
                    (double)won / n, low, high, (double)recovered / n);
            }).ToList();
    }

    /// <summary>
    /// The 95% Wilson score interval of <paramref name="successes"/> in <paramref name="trials"/>: unlike the normal
    /// approximation it stays inside [0, 1] and is not empty at 0 or n successes.
    /// </summary>
    public static (double Low, double High) Wilson(int successes, int trials)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(trials, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(successes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(successes, trials);
        const double z = 1.959963984540054;
        double p = (double)successes / trials, z2n = z * z / trials;
        double centre = (p + z2n / 2) / (1 + z2n);
        double half = z * Math.Sqrt(p * (1 - p) / trials + z2n / (4 * trials)) / (1 + z2n);
        return (Math.Max(0, centre - half), Math.Min(1, centre + half));
    }
}
