using LeapEngine.Core.Tensors;
using LeapEngine.Core.Hooks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LeapEngine.Core.Models.Gemma2;

/// <summary>
/// Gemma's RMSNorm: the stored weight is an offset from one, so the scale is (1 + weight), and unlike
/// Llama's the scale is applied in float32 before the result goes back to the input's dtype
/// (transformers' Gemma2RMSNorm). hook_normalized on the scaled output.
/// </summary>
public sealed class Gemma2RmsNorm : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly HookPoint hook_normalized = new();
    private readonly double _eps;

    public Gemma2RmsNorm(int dModel, double eps) : base(nameof(Gemma2RmsNorm))
    {
        // Zero is the identity scale here (1 + 0), as Gemma2RMSNorm initialises it.
        weight = new Parameter(zeros(dModel), requires_grad: false);
        _eps = eps;
        RegisterComponents();
    }

    public Tensor Weight => weight;

    public override Tensor forward(Tensor x)
    {
        var x32 = x.to(ScalarType.Float32);
        var normed = x32 * (x32 * x32).mean([-1], keepdim: true).Plus(_eps).rsqrt();   // [..., d_model]
        var scaled = normed * weight.to(ScalarType.Float32).Plus(1.0);
        return hook_normalized.call(scaled.to(x.dtype));
    }
}
