using static TorchSharp.torch;

namespace LeapEngine.Core.Models.Llama;

/// <summary>
/// Rotary position embedding in the Hugging Face "rotate half" layout: dimension i pairs
/// with i + d_head/2. llama2.c checkpoints pair adjacent dimensions instead; their q/k rows
/// are permuted at load time (see Llama2cCheckpoint), so one implementation serves both.
/// </summary>
public static class RotaryEmbedding
{
    /// <summary>cos and sin [batch, 1, token, d_head] for the given positions [batch, token].</summary>
    public static (Tensor Cos, Tensor Sin) Tables(Tensor positions, int dHead, double theta, ScalarType dtype)
    {
        var exponents = arange(0, dHead, 2, dtype: ScalarType.Int64, device: positions.device).to(ScalarType.Float32) / dHead;
        var invFreq = 1.0 / pow(theta, exponents);                                  // [d_head/2]
        var freqs = positions.to(ScalarType.Float32).unsqueeze(-1) * invFreq;       // [batch, token, d_head/2]
        var angles = cat([freqs, freqs], -1).unsqueeze(1);                          // [batch, 1, token, d_head]
        return (angles.cos().to(dtype), angles.sin().to(dtype));
    }

    /// <summary>x [batch, head, token, d_head] rotated by the tables.</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        long half = x.shape[^1] / 2;
        var rotated = cat([-x.narrow(-1, half, half), x.narrow(-1, 0, half)], -1);
        return x * cos + rotated * sin;
    }
}
