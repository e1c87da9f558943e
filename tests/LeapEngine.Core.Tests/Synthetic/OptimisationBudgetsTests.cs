using LeapEngine.Core.Synthetic.Bench;

namespace LeapEngine.Core.Tests.Synthetic;

/// <summary>Success against budget for the optimisation bench: pooling, counting and the Wilson interval.</summary>
public sealed class OptimisationBudgetsTests
{
    private static BudgetedRun Run(string model, long budget, string method, int trigger, long seed, bool won, bool recovered = false) =>
        new(model, budget, new OptimisationBenchRun(method, trigger, " za", seed, won, won ? 100 : null, won ? 1 : null, budget,
            won ? "found" : "work_budget", won ? " ba" : null, won ? recovered : null, won ? true : null, 1));

    [Fact]
    public void Runs_are_pooled_per_budget_and_method_and_target_instances_are_model_and_trigger()
    {
        var rows = OptimisationBudgets.Summarise(
        [
            Run("m11", 40_000, "gcg", 0, 0, won: true, recovered: true),
            Run("m11", 10_000, "gcg", 0, 0, won: false),
            Run("m11", 10_000, "gcg", 0, 1, won: true),
            Run("m12", 10_000, "gcg", 0, 0, won: true, recovered: true),   // trigger 0 of another model: another instance
            Run("m12", 10_000, "gcg", 1, 0, won: false),
            Run("m11", 10_000, "descent", 0, 0, won: false),
        ]);
        Assert.Equal([(10_000L, "gcg"), (10_000L, "descent"), (40_000L, "gcg")], rows.Select(r => (r.MaxWork, r.Method)));
        var gcg = rows[0];
        Assert.Equal((4, 2, 1, 2, 3), (gcg.Runs, gcg.Succeeded, gcg.RecoveredTrigger, gcg.TargetsSolved, gcg.TargetInstances));
        Assert.Equal((0.5, 0.25), (gcg.SuccessRate, gcg.RecoveredRate));
        Assert.Equal(OptimisationBudgets.Wilson(2, 4), (gcg.SuccessLow, gcg.SuccessHigh));
        Assert.Equal((1, 0, 0, 1), (rows[1].Runs, rows[1].Succeeded, rows[1].TargetsSolved, rows[1].TargetInstances));
        Assert.Equal((1, 1, 1.0), (rows[2].Runs, rows[2].Succeeded, rows[2].SuccessRate));
    }

    [Fact]
    public void A_run_counted_twice_is_refused_with_what_to_check()
    {
        var error = Assert.Throws<ArgumentException>(() => OptimisationBudgets.Summarise(
            [Run("m11", 10_000, "gcg", 2, 3, won: true), Run("m11", 10_000, "gcg", 2, 3, won: true)]));
        Assert.Contains("run counted twice: model m11, budget 10000, gcg, trigger 2, seed 3", error.Message);
        // The same search at another budget or on another model is another run.
        Assert.Equal(2, OptimisationBudgets.Summarise([Run("m11", 10_000, "gcg", 2, 3, true), Run("m11", 40_000, "gcg", 2, 3, true)]).Count);
    }

    [Theory]
    [InlineData(0, 10, 0.0, 0.2775)]     // the textbook 95% values; 0 of n: upper bound z²/(n + z²) = 3.8415/13.8415
    [InlineData(5, 10, 0.2366, 0.7634)]
    [InlineData(10, 10, 0.7225, 1.0)]
    public void The_Wilson_interval_matches_published_values(int k, int n, double low, double high)
    {
        var (l, h) = OptimisationBudgets.Wilson(k, n);
        Assert.Equal(low, l, 4);
        Assert.Equal(high, h, 4);
    }

    [Theory]
    [InlineData(1, 4)]
    [InlineData(3, 16)]
    [InlineData(7, 48)]
    [InlineData(47, 48)]
    public void The_Wilson_endpoints_are_where_the_score_test_reaches_1_96(int k, int n)
    {
        // The interval is the set of p whose score statistic |k/n - p| / sqrt(p(1-p)/n) stays within z: at each
        // endpoint strictly inside (0, 1) the statistic equals z (an independent check of the closed form).
        var (low, high) = OptimisationBudgets.Wilson(k, n);
        double phat = (double)k / n;
        foreach (var p in new[] { low, high })
            Assert.Equal(1.959964, Math.Abs(phat - p) / Math.Sqrt(p * (1 - p) / n), 4);
        Assert.InRange(phat, low, high);
    }

    [Fact]
    public void The_Wilson_interval_refuses_impossible_counts()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => OptimisationBudgets.Wilson(0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => OptimisationBudgets.Wilson(-1, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => OptimisationBudgets.Wilson(5, 4));
    }
}
