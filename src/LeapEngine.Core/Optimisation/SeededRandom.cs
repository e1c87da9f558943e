using static TorchSharp.torch;

namespace LeapEngine.Core.Optimisation;

/// <summary>
/// The only source of randomness in a search: a torch.Generator seeded from the request, so
/// the same seed gives the same prompts (the global RNG is never touched).
/// </summary>
internal sealed class SeededRandom : IDisposable
{
    private readonly Generator _generator;

    public SeededRandom(long seed) => _generator = new Generator((ulong)seed);

    /// <summary>Uniform integers in [0, high) of the given shape, on <paramref name="device"/>.</summary>
    public Tensor Integers(long high, long[] shape, Device device)
    {
        using var scope = NewDisposeScope();
        // Drawn on the CPU so the sequence does not depend on the device.
        return randint(0, high, shape, dtype: ScalarType.Int64, generator: _generator).to(device).MoveToOuterDisposeScope();
    }

    /// <summary>A random permutation of 0..n-1 (CPU).</summary>
    public long[] Permutation(long n)
    {
        using var p = randperm(n, dtype: ScalarType.Int64, generator: _generator);
        return p.data<long>().ToArray();
    }

    public void Dispose() => _generator.Dispose();
}
