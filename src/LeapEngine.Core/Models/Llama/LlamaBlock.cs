using LeapEngine.Core.Tensors;
using LeapEngine.Core.Hooks;
using LeapEngine.Core.Models.Common;
using TorchSharp;
using static TorchSharp.torch;

namespace LeapEngine.Core.Models.Llama;

/// <summary>One pre-norm Llama block (RMSNorm, rotary attention, SwiGLU), TransformerLens hooks.</summary>
public sealed class LlamaBlock : nn.Module<Tensor, LayerContext, Tensor>
{
    private readonly HookPoint hook_resid_pre = new();
    private readonly RmsNorm ln1;
    private readonly LlamaAttention attn;
    private readonly HookPoint hook_attn_out = new();
    private readonly HookPoint hook_resid_mid = new();
    private readonly RmsNorm ln2;
    private readonly LlamaMlp mlp;
    private readonly HookPoint hook_mlp_out = new();
    private readonly HookPoint hook_resid_post = new();

    public LlamaBlock(ModelConfig config) : base(nameof(LlamaBlock))
    {
        ln1 = new RmsNorm(config.DModel, config.NormEps);
        attn = new LlamaAttention(config);
        ln2 = new RmsNorm(config.DModel, config.NormEps);
        mlp = new LlamaMlp(config);
        RegisterComponents();
    }

    public RmsNorm Ln1 => ln1;
    public LlamaAttention Attn => attn;
    public RmsNorm Ln2 => ln2;
    public LlamaMlp Mlp => mlp;

    /// <summary>
    /// x [batch, token, d_model] to [batch, query, d_model]: in a layer that keeps only the last
    /// queries (the last one when only their logits are wanted), only those positions run past
    /// the key/value projections.
    /// </summary>
    public override Tensor forward(Tensor x, LayerContext layer)
    {
        var residPre = hook_resid_pre.call(x);
        var attnOut = hook_attn_out.call(attn.call(ln1.call(residPre), layer));
        var residMid = hook_resid_mid.call(layer.KeptQueries(residPre).Plus(attnOut));
        var mlpOut = hook_mlp_out.call(mlp.call(ln2.call(residMid)));
        return hook_resid_post.call(residMid.Plus(mlpOut));
    }
}
