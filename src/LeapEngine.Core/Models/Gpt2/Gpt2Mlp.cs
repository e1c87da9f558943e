using LeapEngine.Core.Hooks;
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
        _activation = Activation(config.Activation);
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

    private static Func<Tensor, Tensor> Activation(string name) => name switch
    {
        // gelu_new / gelu_pytorch_tanh / gelu_fast are all the tanh approximation.
        "gelu_new" or "gelu_pytorch_tanh" or "gelu_fast" => x => nn.functional.gelu(x, TorchSharp.Modules.GELU.Approximate.tanh),
        "gelu" => x => nn.functional.gelu(x),
        "relu" => x => nn.functional.relu(x),
        "silu" or "swish" => x => nn.functional.silu(x),
        _ => throw new NotSupportedException($"activation_function '{name}' is not supported (gelu_new, gelu, relu, silu)"),
    };
}
