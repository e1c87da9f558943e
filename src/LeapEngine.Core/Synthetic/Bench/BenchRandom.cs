namespace LeapEngine.Core.Synthetic.Bench;

/// <summary>
/// The benchmarks' prompt generators: from the seed and a salt naming the stream (a cell, a length), by a fixed formula,
/// so a seed gives the same prompts on every run and machine (HashCode.Combine would not: it is salted per process).
/// </summary>
public static class BenchRandom
{
    public static Random For(int seed, int salt) => new(unchecked(seed * 1_000_003 + salt));
}
