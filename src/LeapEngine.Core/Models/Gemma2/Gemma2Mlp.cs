using LeapEngine.Core.Hooks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LeapEngine.Core.Models.Gemma2;

/// <summary>GeGLU feed-forward: down(gelu_tanh(gate(x)) * up(x)), no biases (transformers' Gemma2MLP).</summary>
public sealed class Gemma2Mlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear gate_proj;
    private readonly Linear up_proj;
    private readonly HookPoint hook_pre = new();
    private readonly HookPoint hook_pre_linear = new();
    private readonly HookPoint hook_post = new();
    private readonly Linear down_proj;

    public Gemma2Mlp(ModelConfig config) : base(nameof(Gemma2Mlp))
    {
        gate_proj = nn.Linear(config.DModel, config.DMlp, hasBias: false);
        up_proj = nn.Linear(config.DModel, config.DMlp, hasBias: false);
        down_proj = nn.Linear(config.DMlp, config.DModel, hasBias: false);
        RegisterComponents();
    }

    public Linear Gate => gate_proj;
    public Linear Up => up_proj;
    public Linear Down => down_proj;

    public override Tensor forward(Tensor x)
    {
        var pre = hook_pre.call(gate_proj.call(x));            // [batch, token, d_mlp]
        var preLinear = hook_pre_linear.call(up_proj.call(x)); // [batch, token, d_mlp]
        // gelu_pytorch_tanh, the only hidden_activation the config reader accepts.
        var post = hook_post.call(nn.functional.gelu(pre, GELU.Approximate.tanh) * preLinear);
        return down_proj.call(post);                           // [batch, token, d_model]
    }
}
