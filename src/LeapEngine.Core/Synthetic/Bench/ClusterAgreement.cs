namespace LeapEngine.Core.Synthetic.Bench;

/// <summary>
/// How well a clustering (regions) agrees with known labels (planted categories): purity, mutual information
/// and adjusted mutual information (AMI) with the expected-MI correction of Vinh, Epps and Bailey (2010) under the
/// hypergeometric (permutation) model, normalised by the arithmetic mean of the two entropies — the definition
/// scikit-learn's <c>adjusted_mutual_info_score</c> uses by default, so figures compare with it. All in nats.
/// Purity alone rewards many small regions (one region per token scores 1); AMI is 0 in expectation for a
/// clustering unrelated to the labels whatever its number of regions, and 1 for the labels themselves.
/// </summary>
public static class ClusterAgreement
{
    /// <summary>Counts n[r, c] of items in region r with label c; regions and labels are renumbered densely.</summary>
    public static long[,] Contingency(IReadOnlyList<int> regions, IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(regions);
        ArgumentNullException.ThrowIfNull(labels);
        if (regions.Count != labels.Count)
            throw new ArgumentException($"{regions.Count} region assignments but {labels.Count} labels: give one of each per item");
        var rowOf = Dense(regions);
        var colOf = Dense(labels);
        var table = new long[rowOf.Count, colOf.Count];
        for (int i = 0; i < regions.Count; i++) table[rowOf[regions[i]], colOf[labels[i]]]++;
        return table;
    }

    /// <summary>Fraction of items whose region's most common label is their own: (1/N) sum_r max_c n[r, c].</summary>
    public static double Purity(long[,] table)
    {
        long n = Total(table), hits = 0;
        if (n == 0) return 0;
        for (int r = 0; r < table.GetLength(0); r++)
        {
            long best = 0;
            for (int c = 0; c < table.GetLength(1); c++) best = Math.Max(best, table[r, c]);
            hits += best;
        }
        return (double)hits / n;
    }

    /// <summary>Entropy (nats) of a partition with the given part sizes.</summary>
    public static double Entropy(IReadOnlyList<long> sizes)
    {
        double n = sizes.Sum(), h = 0;
        foreach (var s in sizes)
            if (s > 0) h -= s / n * Math.Log(s / n);
        return h;
    }

    /// <summary>MI = sum n_rc/N log(N n_rc / (a_r b_c)), a and b the row and column sums.</summary>
    public static double MutualInformation(long[,] table)
    {
        var (a, b, n) = Margins(table);
        double mi = 0;
        for (int r = 0; r < a.Length; r++)
            for (int c = 0; c < b.Length; c++)
            {
                long nrc = table[r, c];
                if (nrc > 0) mi += (double)nrc / n * Math.Log((double)n * nrc / ((double)a[r] * b[c]));
            }
        return Math.Max(0, mi);
    }

    /// <summary>
    /// E[MI] over all clusterings with the same part sizes, items assigned at random: for each pair (r, c),
    /// n_rc is hypergeometric (N items, a_r drawn, b_c marked), so
    /// E = sum_rc sum_k k/N log(N k / (a_r b_c)) P(n_rc = k), k from max(1, a_r + b_c - N) to min(a_r, b_c).
    /// The factorials are summed as log-factorials.
    /// </summary>
    public static double ExpectedMutualInformation(IReadOnlyList<long> a, IReadOnlyList<long> b)
    {
        long n = a.Sum();
        if (b.Sum() != n) throw new ArgumentException($"the two partitions cover {n} and {b.Sum()} items; they must cover the same items");
        if (n == 0) return 0;
        var logFactorial = LogFactorials(n);
        double emi = 0;
        foreach (var ar in a)
            foreach (var bc in b)
            {
                if (ar == 0 || bc == 0) continue;
                // log of the k-independent part of P(n_rc = k): a! b! (N-a)! (N-b)! / N!
                double fixedPart = logFactorial[ar] + logFactorial[bc] + logFactorial[n - ar] + logFactorial[n - bc] - logFactorial[n];
                for (long k = Math.Max(1, ar + bc - n); k <= Math.Min(ar, bc); k++)
                {
                    double logP = fixedPart - logFactorial[k] - logFactorial[ar - k] - logFactorial[bc - k] - logFactorial[n - ar - bc + k];
                    emi += (double)k / n * Math.Log((double)n * k / ((double)ar * bc)) * Math.Exp(logP);
                }
            }
        return emi;
    }

    /// <summary>
    /// AMI = (MI - E[MI]) / (mean(H(regions), H(labels)) - E[MI]). Both sides one part (or no items): 1, as
    /// scikit-learn returns; a zero denominator is kept away from 0 with its sign as scikit-learn does.
    /// </summary>
    public static double AdjustedMutualInformation(long[,] table)
    {
        var (a, b, _) = Margins(table);
        int rows = a.Count(x => x > 0), cols = b.Count(x => x > 0);
        if (rows == cols && rows <= 1) return 1.0;
        double mi = MutualInformation(table);
        double emi = ExpectedMutualInformation(a, b);
        double normaliser = (Entropy(a) + Entropy(b)) / 2;
        double denominator = normaliser - emi;
        const double machineEpsilon = 2.220446049250313e-16;   // numpy's finfo(float64).eps, what scikit-learn clamps to
        denominator = denominator < 0 ? Math.Min(denominator, -machineEpsilon) : Math.Max(denominator, machineEpsilon);
        return (mi - emi) / denominator;
    }

    /// <inheritdoc cref="AdjustedMutualInformation(long[,])"/>
    public static double AdjustedMutualInformation(IReadOnlyList<int> regions, IReadOnlyList<int> labels) =>
        AdjustedMutualInformation(Contingency(regions, labels));

    private static (long[] Rows, long[] Columns, long Total) Margins(long[,] table)
    {
        var rows = new long[table.GetLength(0)];
        var columns = new long[table.GetLength(1)];
        for (int r = 0; r < rows.Length; r++)
            for (int c = 0; c < columns.Length; c++)
            {
                rows[r] += table[r, c];
                columns[c] += table[r, c];
            }
        return (rows, columns, rows.Sum());
    }

    private static long Total(long[,] table)
    {
        long n = 0;
        foreach (var x in table) n += x;
        return n;
    }

    /// <summary>log(k!) for k = 0..n.</summary>
    private static double[] LogFactorials(long n)
    {
        var table = new double[n + 1];
        for (long k = 2; k <= n; k++) table[k] = table[k - 1] + Math.Log(k);
        return table;
    }

    private static Dictionary<int, int> Dense(IReadOnlyList<int> values)
    {
        var map = new Dictionary<int, int>();
        foreach (var v in values) map.TryAdd(v, map.Count);
        return map;
    }
}
