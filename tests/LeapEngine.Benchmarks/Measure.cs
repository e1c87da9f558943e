using System.Diagnostics;
using static TorchSharp.torch;

namespace LeapEngine.Benchmarks;

/// <summary>Timing helpers shared by the benchmarks: warm-up, then the median of several runs.</summary>
public static class Measure
{
    /// <summary>Median wall seconds of <paramref name="runs"/> calls after <paramref name="warmup"/> unmeasured ones.</summary>
    public static double MedianSeconds(Action action, int runs = 5, int warmup = 1)
    {
        for (int i = 0; i < warmup; i++) action();
        var times = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            var sw = Stopwatch.StartNew();
            action();
            times[i] = sw.Elapsed.TotalSeconds;
        }
        Array.Sort(times);
        return times[runs / 2];
    }

    /// <summary>
    /// The machine's fp32 matmul rate (GFLOP/s) in this process, the yardstick for compute
    /// efficiency: the best of a square product and one shaped like a transformer's MLP.
    /// </summary>
    public static double MatmulGflops()
    {
        double best = 0;
        foreach (var (m, k, n) in new[] { (2048, 2048, 2048), (1024, 768, 3072) })
        {
            using var scope = NewDisposeScope();
            var a = randn(m, k);
            var b = randn(k, n);
            double seconds = MedianSeconds(() => { using var c = a.mm(b); }, runs: 7, warmup: 2);
            best = Math.Max(best, 2.0 * m * k * n / seconds / 1e9);
        }
        return best;
    }

    /// <summary>
    /// Times <paramref name="work"/> and the matmul yardstick in alternating rounds, so both
    /// see the same machine load; returns the best seconds of the work and the best matmul
    /// rate (the least disturbed round of each) and the median per-round ratio.
    /// </summary>
    public static (double BestSeconds, double BestMatmulGflops, double MedianRatio) AgainstMatmul(
        Action work, double workFlops, int rounds)
    {
        work();   // warm-up
        var seconds = new double[rounds];
        var rates = new double[rounds];
        var ratios = new double[rounds];
        for (int r = 0; r < rounds; r++)
        {
            rates[r] = MatmulGflops();
            seconds[r] = MedianSeconds(work, runs: 1, warmup: 0);
            ratios[r] = workFlops / seconds[r] / 1e9 / rates[r];
        }
        Array.Sort(ratios);
        return (seconds.Min(), rates.Max(), ratios[rounds / 2]);
    }

    public static int IntArg(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var v) ? v : fallback;
    }

    /// <summary>A comma-separated list of integers after <paramref name="name"/> (e.g. --concurrency 1,4,16).</summary>
    public static int[] ListArg(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        var text = i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
    }

    /// <summary>The word after <paramref name="name"/> (e.g. --database postgres), or <paramref name="fallback"/>.</summary>
    public static string WordArg(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}
