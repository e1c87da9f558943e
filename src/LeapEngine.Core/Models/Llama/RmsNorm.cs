using LeapEngine.Core.Tensors;
using LeapEngine.Core.Hooks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LeapEngine.Core.Models.Llama;

/// <summary>RMSNorm computed in float32 (as the reference does), hook_normalized on the scaled output.</summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly HookPoint hook_normalized = new();
    private readonly double _eps;

    public RmsNorm(int dModel, double eps) : base(nameof(RmsNorm))
    {
        weight = new Parameter(ones(dModel), requires_grad: false);
        _eps = eps;
        RegisterComponents();
    }

    public Tensor Weight => weight;

    public override Tensor forward(Tensor x)
    {
        var x32 = x.to(ScalarType.Float32);
        var normed = x32 * (x32 * x32).mean([-1], keepdim: true).Plus(_eps).rsqrt();
        return hook_normalized.call(weight * normed.to(x.dtype));
    }
}
