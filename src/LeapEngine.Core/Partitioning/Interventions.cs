using LeapEngine.Core.Tensors;
using static TorchSharp.torch;

namespace LeapEngine.Core.Partitioning;

/// <summary>
/// The activation edits regions allow, on raw activations [..., width] with centre c and
/// unit region directions e: steer a' = a + alpha e; ablate a' = c + (I - Q Q^T)(a - c) with
/// Q an orthonormal basis of the ablated directions (for one region: c + x - (x.e) e).
/// </summary>
public static class Interventions
{
    /// <summary>a + alpha * direction, broadcast over every position.</summary>
    public static Tensor Steer(Tensor activations, Tensor direction, double alpha)
    {
        RequireLastDim(activations, direction.shape[0]);
        using var scope = NewDisposeScope();
        return activations.Plus(direction.to(activations.dtype).Times(alpha)).MoveToOuterDisposeScope();
    }

    /// <summary>Removes the span of <paramref name="basis"/> [width, k] (orthonormal columns) from a - c.</summary>
    public static Tensor Ablate(Tensor activations, Tensor centre, Tensor basis)
    {
        RequireLastDim(activations, centre.shape[0]);
        if (basis.dim() != 2 || basis.shape[0] != centre.shape[0])
            throw new ArgumentException($"basis must be [{centre.shape[0]}, k], got [{string.Join(", ", basis.shape)}]");
        using var scope = NewDisposeScope();
        var q = basis.to(activations.dtype);
        var x = activations - centre.to(activations.dtype);                                   // [..., width]
        var projected = x.matmul(q).matmul(q.t());                                            // [..., width]
        return (activations - projected).MoveToOuterDisposeScope();                          // = c + x - Q Q^T x
    }

    /// <summary>An orthonormal basis [width, k] of the span of directions [k, width] (reduced QR).</summary>
    public static Tensor OrthonormalBasis(Tensor directions)
    {
        if (directions.dim() != 2 || directions.shape[0] == 0)
            throw new ArgumentException($"directions must be [k >= 1, width], got [{string.Join(", ", directions.shape)}]");
        if (directions.shape[0] > directions.shape[1])
            throw new ArgumentException($"cannot ablate {directions.shape[0]} directions in a {directions.shape[1]}-wide space; pick at most {directions.shape[1]}");
        using var scope = NewDisposeScope();
        var (q, r) = linalg.qr(directions.t().to(ScalarType.Float64));                       // q: [width, k]
        // A direction already in the span of the earlier ones leaves a zero on R's diagonal: drop its column.
        var keep = r.diagonal().abs().IsGreaterThan(1e-8).nonzero().squeeze(1);
        return q.index_select(1, keep).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    private static void RequireLastDim(Tensor activations, long width)
    {
        if (activations.dim() < 1 || activations.shape[^1] != width)
            throw new ArgumentException($"activations must end in width {width}, got [{string.Join(", ", activations.shape)}]");
    }
}
