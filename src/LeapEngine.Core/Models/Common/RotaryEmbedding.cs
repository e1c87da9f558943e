using LeapEngine.Core.Tensors;
using LeapEngine.Core.Models;
using static TorchSharp.torch;

namespace LeapEngine.Core.Models.Common;

/// <summary>
/// Rotary position embedding in the Hugging Face "rotate half" layout: dimension i pairs
/// with i + d_head/2. llama2.c checkpoints pair adjacent dimensions instead; their q/k rows
/// are permuted at load time (see Llama2cCheckpoint), so one implementation serves both.
/// </summary>
public static class RotaryEmbedding
{
    /// <summary>
    /// cos and signed sin [batch, 1, token, d_head] for the given positions [batch, token]. The
    /// sin table carries rotate-half's sign (first half negated), so that applying it needs
    /// no negation per layer: rotate_half(x) * sin = swap_halves(x) * signed sin.
    /// </summary>
    public static (Tensor Cos, Tensor SignedSin) Tables(Tensor positions, int dHead, double theta, ScalarType dtype,
        RopeScaling? scaling = null)
    {
        var exponents = ScalarOps.Arange(0, dHead, 2, device: positions.device).to(ScalarType.Float32).DividedBy(dHead);
        // theta becomes a 0-dim tensor here (torch.pow has no Scalar-base overload), not a Scalar.
        var invFreq = pow(theta, exponents).Into(1.0);                                  // [d_head/2]
        if (scaling is not null)
            invFreq = tensor(scaling.Apply(invFreq.cpu().data<float>().ToArray()), device: positions.device);
        var freqs = positions.to(ScalarType.Float32).unsqueeze(-1) * invFreq;       // [batch, token, d_head/2]
        var cos = freqs.cos();
        var sin = freqs.sin();
        var fullCos = cat([cos, cos], -1).unsqueeze(1);                             // [batch, 1, token, d_head]
        var signedSin = cat([-sin, sin], -1).unsqueeze(1);                          // [batch, 1, token, d_head]
        return (fullCos.to(dtype), signedSin.to(dtype));
    }

    /// <summary>
    /// x [batch, head, token, d_head] rotated by the tables: x * cos + rotate_half(x) * sin, in
    /// three element-wise ops (the model runs it twice per layer, on small tensors where
    /// the count of ops is the cost).
    /// </summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor signedSin)
    {
        long half = x.shape[^1] / 2;
        return (x * cos).PlusProductInPlace(x.roll(half, -1), signedSin);                  // [batch, head, token, d_head]
    }
}
