using LeapEngine.Core.Hooks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LeapEngine.Core.Models.Llama;

/// <summary>SwiGLU feed-forward: down(silu(gate(x)) * up(x)).</summary>
public sealed class LlamaMlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear gate_proj;
    private readonly Linear up_proj;
    private readonly HookPoint hook_pre = new();
    private readonly HookPoint hook_pre_linear = new();
    private readonly HookPoint hook_post = new();
    private readonly Linear down_proj;

    public LlamaMlp(ModelConfig config) : base(nameof(LlamaMlp))
    {
        gate_proj = nn.Linear(config.DModel, config.DMlp, hasBias: config.MlpBias);
        up_proj = nn.Linear(config.DModel, config.DMlp, hasBias: config.MlpBias);
        down_proj = nn.Linear(config.DMlp, config.DModel, hasBias: config.MlpBias);
        RegisterComponents();
    }

    public Linear Gate => gate_proj;
    public Linear Up => up_proj;
    public Linear Down => down_proj;

    public override Tensor forward(Tensor x)
    {
        var pre = hook_pre.call(gate_proj.call(x));            // [batch, token, d_mlp]
        var preLinear = hook_pre_linear.call(up_proj.call(x)); // [batch, token, d_mlp]
        var post = hook_post.call(nn.functional.silu(pre) * preLinear);
        return down_proj.call(post);                           // [batch, token, d_model]
    }
}
