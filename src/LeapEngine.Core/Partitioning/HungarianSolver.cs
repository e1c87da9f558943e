namespace LeapEngine.Core.Partitioning;

/// <summary>
/// The assignment problem (Hungarian algorithm, shortest augmenting paths with potentials,
/// O(n^2 m) for n rows and m &gt;= n columns). Written here because no library in the stack
/// has one. Rectangular matrices are fine: the smaller side is matched completely.
/// </summary>
public static class HungarianSolver
{
    /// <summary>Column of each row in a maximum-total-weight one-to-one assignment; -1 for rows left over when rows exceed columns.</summary>
    public static int[] MaximumWeight(double[,] weights)
    {
        int rows = weights.GetLength(0), cols = weights.GetLength(1);
        var cost = new double[rows, cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
            {
                double w = weights[i, j];
                if (double.IsNaN(w) || double.IsInfinity(w)) throw new ArgumentException($"weight [{i}, {j}] is {w}; weights must be finite");
                cost[i, j] = -w;
            }
        return MinimumCost(cost);
    }

    /// <summary>Column of each row in a minimum-total-cost one-to-one assignment; -1 for rows left over.</summary>
    public static int[] MinimumCost(double[,] cost)
    {
        int rows = cost.GetLength(0), cols = cost.GetLength(1);
        if (rows == 0 || cols == 0) return Enumerable.Repeat(-1, rows).ToArray();
        if (rows <= cols) return Solve(cost, rows, cols, transposed: false);
        // More rows than columns: match every column to a row instead, then invert.
        var colToRow = Solve(cost, cols, rows, transposed: true);
        var result = Enumerable.Repeat(-1, rows).ToArray();
        for (int j = 0; j < cols; j++) result[colToRow[j]] = j;
        return result;
    }

    /// <summary>n &lt;= m; a(i, j) reads cost[i, j] or, transposed, cost[j, i]. Returns the column of each of the n rows.</summary>
    private static int[] Solve(double[,] cost, int n, int m, bool transposed)
    {
        double A(int i, int j) => transposed ? cost[j - 1, i - 1] : cost[i - 1, j - 1];
        var u = new double[n + 1];
        var v = new double[m + 1];
        var p = new int[m + 1];      // p[j]: row matched to column j (0 = none); column 0 is the virtual start
        var way = new int[m + 1];
        var minv = new double[m + 1];
        var used = new bool[m + 1];
        for (int i = 1; i <= n; i++)
        {
            p[0] = i;
            int j0 = 0;
            Array.Fill(minv, double.PositiveInfinity);
            Array.Fill(used, false);
            do
            {
                used[j0] = true;
                int i0 = p[j0], j1 = 0;
                double delta = double.PositiveInfinity;
                for (int j = 1; j <= m; j++)
                {
                    if (used[j]) continue;
                    double cur = A(i0, j) - u[i0] - v[j];
                    if (cur < minv[j]) { minv[j] = cur; way[j] = j0; }
                    if (minv[j] < delta) { delta = minv[j]; j1 = j; }
                }
                for (int j = 0; j <= m; j++)
                {
                    if (used[j]) { u[p[j]] += delta; v[j] -= delta; }
                    else minv[j] -= delta;
                }
                j0 = j1;
            } while (p[j0] != 0);
            // Flip the augmenting path back to the start.
            do
            {
                int j1 = way[j0];
                p[j0] = p[j1];
                j0 = j1;
            } while (j0 != 0);
        }
        var result = new int[n];
        for (int j = 1; j <= m; j++)
            if (p[j] != 0) result[p[j] - 1] = j - 1;
        return result;
    }
}
