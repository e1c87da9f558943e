using TorchSharp;

namespace LeapEngine.Core.Tensors;

/// <summary>
/// Scalars for TorchSharp calls other than plain arithmetic (<c>masked_fill</c>, <c>clamp</c>, <c>addcmul_</c>, …),
/// kept alive until the scope is disposed: <c>using var scalars = new ScalarScope();
/// x.masked_fill(mask, scalars.Of(float.NegativeInfinity))</c>. A Scalar passed straight into a call can be
/// finalized while libtorch reads it (see <see cref="ScalarOps"/>); one held here cannot.
/// </summary>
internal sealed class ScalarScope : IDisposable
{
    private readonly List<Scalar> _held = [];

    /// <summary>A double Scalar (a float tensor keeps its dtype; an integer tensor is promoted, as in PyTorch).</summary>
    public Scalar Of(double value) => Hold(value.ToScalar());

    /// <summary>A float Scalar.</summary>
    public Scalar Of(float value) => Hold(value.ToScalar());

    /// <summary>An integer Scalar (keeps an integer tensor's dtype).</summary>
    public Scalar Of(long value) => Hold(value.ToScalar());

    /// <summary>A boolean Scalar.</summary>
    public Scalar Of(bool value) => Hold(value.ToScalar());

    private Scalar Hold(Scalar scalar)
    {
        _held.Add(scalar);
        return scalar;
    }

    public void Dispose()
    {
        foreach (var scalar in _held) scalar.Dispose();
        _held.Clear();
    }
}
