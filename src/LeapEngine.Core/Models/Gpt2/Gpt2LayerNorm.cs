using LeapEngine.Core.Hooks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LeapEngine.Core.Models.Gpt2;

/// <summary>LayerNorm with TransformerLens's hook_normalized on its output (after scale and shift).</summary>
public sealed class Gpt2LayerNorm : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter bias;
    private readonly HookPoint hook_normalized = new();
    private readonly double _eps;

    public Gpt2LayerNorm(int dModel, double eps) : base(nameof(Gpt2LayerNorm))
    {
        weight = new Parameter(ones(dModel), requires_grad: false);
        bias = new Parameter(zeros(dModel), requires_grad: false);
        _eps = eps;
        RegisterComponents();
    }

    public Tensor Weight => weight;
    public Tensor Bias => bias;

    public override Tensor forward(Tensor x) =>
        hook_normalized.call(nn.functional.layer_norm(x, [x.shape[^1]], weight, bias, _eps));
}
