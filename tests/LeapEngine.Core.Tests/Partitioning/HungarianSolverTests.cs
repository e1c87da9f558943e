using LeapEngine.Core.Partitioning;

namespace LeapEngine.Core.Tests.Partitioning;

public class HungarianSolverTests
{
    [Fact]
    public void Matches_brute_force_on_random_small_matrices()
    {
        var rng = new Random(11);
        for (int trial = 0; trial < 300; trial++)
        {
            int rows = 1 + rng.Next(6), cols = 1 + rng.Next(6);
            var w = new double[rows, cols];
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++)
                    w[i, j] = trial % 3 == 0 ? rng.Next(4) : rng.NextDouble() * 2 - 1;   // integer weights give ties
            var assignment = HungarianSolver.MaximumWeight(w);

            Assert.Equal(rows, assignment.Length);
            var used = assignment.Where(c => c >= 0).ToList();
            Assert.Equal(used.Count, used.Distinct().Count());
            Assert.Equal(Math.Min(rows, cols), used.Count);
            double total = Enumerable.Range(0, rows).Where(i => assignment[i] >= 0).Sum(i => w[i, assignment[i]]);
            Assert.Equal(BruteForceBest(w), total, 9);
        }
    }

    [Fact]
    public void Minimum_cost_solves_a_known_case()
    {
        var cost = new double[,] { { 4, 1, 3 }, { 2, 0, 5 }, { 3, 2, 2 } };
        // Optimum 5: row 0 -> col 1, row 1 -> col 0, row 2 -> col 2.
        Assert.Equal(new[] { 1, 0, 2 }, HungarianSolver.MinimumCost(cost));
    }

    [Fact]
    public void Non_finite_weights_are_rejected() =>
        Assert.Throws<ArgumentException>(() => HungarianSolver.MaximumWeight(new double[,] { { 1, double.NaN } }));

    /// <summary>Best total over every one-to-one map of the smaller side into the larger.</summary>
    private static double BruteForceBest(double[,] w)
    {
        int rows = w.GetLength(0), cols = w.GetLength(1);
        double best = double.NegativeInfinity;
        void Go(int i, bool[] usedCols, int remaining, double acc)
        {
            if (i == rows)
            {
                if (remaining == 0) best = Math.Max(best, acc);
                return;
            }
            // Row i either takes a free column or (if rows exceed columns) stays unmatched.
            if (rows - i > remaining) Go(i + 1, usedCols, remaining, acc);
            if (remaining == 0) return;
            for (int j = 0; j < cols; j++)
            {
                if (usedCols[j]) continue;
                usedCols[j] = true;
                Go(i + 1, usedCols, remaining - 1, acc + w[i, j]);
                usedCols[j] = false;
            }
        }
        Go(0, new bool[cols], Math.Min(rows, cols), 0);
        return best;
    }
}
