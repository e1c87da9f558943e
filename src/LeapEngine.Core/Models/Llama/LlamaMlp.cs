using LeapEngine.Core.Hooks;
using LeapEngine.Core.Models.Common;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LeapEngine.Core.Models.Llama;

/// <summary>
/// Gated feed-forward: down(act(gate(x)) * up(x)) with the config's activation: SwiGLU (silu) for the Llama
/// family, GeGLU (gelu_pytorch_tanh) for Gemma 2.
/// </summary>
public sealed class LlamaMlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear gate_proj;
    private readonly Linear up_proj;
    private readonly HookPoint hook_pre = new();
    private readonly HookPoint hook_pre_linear = new();
    private readonly HookPoint hook_post = new();
    private readonly Linear down_proj;
    private readonly Func<Tensor, Tensor> _activation;

    public LlamaMlp(ModelConfig config) : base(nameof(LlamaMlp))
    {
        gate_proj = nn.Linear(config.DModel, config.DMlp, hasBias: config.MlpBias);
        up_proj = nn.Linear(config.DModel, config.DMlp, hasBias: config.MlpBias);
        down_proj = nn.Linear(config.DMlp, config.DModel, hasBias: config.MlpBias);
        _activation = Activations.For(config.Activation);
        RegisterComponents();
    }

    public Linear Gate => gate_proj;
    public Linear Up => up_proj;
    public Linear Down => down_proj;

    public override Tensor forward(Tensor x)
    {
        var pre = hook_pre.call(gate_proj.call(x));            // [batch, token, d_mlp]
        var preLinear = hook_pre_linear.call(up_proj.call(x)); // [batch, token, d_mlp]
        var post = hook_post.call(_activation(pre) * preLinear);
        return down_proj.call(post);                           // [batch, token, d_model]
    }
}
