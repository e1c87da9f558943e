using LeapEngine.Core.Tensors;
using LeapEngine.Core.Hooks;
using LeapEngine.Core.Models.Common;
using TorchSharp;
using static TorchSharp.torch;

namespace LeapEngine.Core.Models.Gpt2;

/// <summary>One pre-norm GPT-2 block, with the residual-stream hook points of TransformerLens.</summary>
public sealed class Gpt2Block : nn.Module<Tensor, ForwardContext, Tensor>
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

    public Gpt2Block(ModelConfig config, int layer) : base(nameof(Gpt2Block))
    {
        ln1 = new Gpt2LayerNorm(config.DModel, config.NormEps);
        attn = new Gpt2Attention(config, layer);
        ln2 = new Gpt2LayerNorm(config.DModel, config.NormEps);
        mlp = new Gpt2Mlp(config);
        RegisterComponents();
    }

    public Gpt2LayerNorm Ln1 => ln1;
    public Gpt2Attention Attn => attn;
    public Gpt2LayerNorm Ln2 => ln2;
    public Gpt2Mlp Mlp => mlp;

    public override Tensor forward(Tensor x, ForwardContext ctx) => Forward(x, ctx, 0);

    /// <summary>
    /// x [batch, token, d_model] to [batch, token - queryFrom, d_model]: with queryFrom > 0 only
    /// the last positions run past the key/value projections (the last layer when only their
    /// logits are wanted). <paramref name="distinct"/>: the repeated rows of x, projected once.
    /// </summary>
    public Tensor Forward(Tensor x, ForwardContext ctx, long queryFrom, DistinctRows? distinct = null)
    {
        var residPre = hook_resid_pre.call(x);
        var attnOut = hook_attn_out.call(attn.Forward(ln1.call(residPre), ctx, queryFrom, distinct));
        if (queryFrom > 0) residPre = residPre.narrow(1, queryFrom, residPre.shape[1] - queryFrom);
        var residMid = hook_resid_mid.call(residPre.Plus(attnOut));
        var mlpOut = hook_mlp_out.call(mlp.call(ln2.call(residMid)));
        return hook_resid_post.call(residMid.Plus(mlpOut));
    }
}
