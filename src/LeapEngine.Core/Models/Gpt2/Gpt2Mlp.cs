using LeapEngine.Core.Hooks;
using LeapEngine.Core.Models.Common;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LeapEngine.Core.Models.Gpt2;

/// <summary>GPT-2 feed-forward: d_model → d_mlp → activation → d_model.</summary>
public sealed class Gpt2Mlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear c_fc;
    private readonly HookPoint hook_pre = new();
    private readonly HookPoint hook_post = new();
    private readonly Linear c_proj;
    private readonly Func<Tensor, Tensor> _activation;

    public Gpt2Mlp(ModelConfig config) : base(nameof(Gpt2Mlp))
    {
        c_fc = nn.Linear(config.DModel, config.DMlp, hasBias: true);
        c_proj = nn.Linear(config.DMlp, config.DModel, hasBias: true);
        _activation = Activations.For(config.Activation);
        RegisterComponents();
    }

    public Linear Input => c_fc;
    public Linear Output => c_proj;

    public override Tensor forward(Tensor x)
    {
        var pre = hook_pre.call(c_fc.call(x));                  // [batch, token, d_mlp]
        var post = hook_post.call(_activation(pre));
        return c_proj.call(post);                               // [batch, token, d_model]
    }
}
