using LeapEngine.Core.Tensors;
using LeapEngine.Core.Hooks;
using LeapEngine.Core.Models.Common;
using TorchSharp;
using static TorchSharp.torch;

namespace LeapEngine.Core.Models.Gpt2;

/// <summary>One pre-norm GPT-2 block, with the residual-stream hook points of TransformerLens.</summary>
public sealed class Gpt2Block : nn.Module<Tensor, LayerContext, Tensor>
{
    private readonly HookPoint hook_resid_pre = new();
    private readonly Gpt2LayerNorm ln1;
    private readonly Gpt2Attention attn;
    private readonly HookPoint hook_attn_out = new();
    private readonly HookPoint hook_resid_mid = new();
    private readonly Gpt2LayerNorm ln2;
    private readonly Gpt2Mlp mlp;
    private readonly HookPoint hook_mlp_out = new();
    private readonly HookPoint hook_resid_post = new();

    public Gpt2Block(ModelConfig config) : base(nameof(Gpt2Block))
    {
        ln1 = new Gpt2LayerNorm(config.DModel, config.NormEps);
        attn = new Gpt2Attention(config);
        ln2 = new Gpt2LayerNorm(config.DModel, config.NormEps);
        mlp = new Gpt2Mlp(config);
        RegisterComponents();
    }

    public Gpt2LayerNorm Ln1 => ln1;
    public Gpt2Attention Attn => attn;
    public Gpt2LayerNorm Ln2 => ln2;
    public Gpt2Mlp Mlp => mlp;

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
