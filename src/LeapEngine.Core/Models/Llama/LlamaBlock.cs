using LeapEngine.Core.Tensors;
using LeapEngine.Core.Hooks;
using LeapEngine.Core.Models.Common;
using TorchSharp;
using static TorchSharp.torch;

namespace LeapEngine.Core.Models.Llama;

/// <summary>One pre-norm Llama block (RMSNorm, rotary attention, SwiGLU), TransformerLens hooks.</summary>
public sealed class LlamaBlock : nn.Module<Tensor, ForwardContext, Tensor>
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

    public LlamaBlock(ModelConfig config, int layer) : base(nameof(LlamaBlock))
    {
        ln1 = new RmsNorm(config.DModel, config.NormEps);
        attn = new LlamaAttention(config, layer);
        ln2 = new RmsNorm(config.DModel, config.NormEps);
        mlp = new LlamaMlp(config);
        RegisterComponents();
    }

    public RmsNorm Ln1 => ln1;
    public LlamaAttention Attn => attn;
    public RmsNorm Ln2 => ln2;
    public LlamaMlp Mlp => mlp;

    /// <summary>
    /// x [batch, token, d_model] to [batch, token - queryFrom, d_model]: with queryFrom > 0 only
    /// the last positions run past the key/value projections (the last layer when only their
    /// logits are wanted). <paramref name="distinct"/>: the repeated rows of x, projected once.
    /// </summary>
    public Tensor Forward(Tensor x, ForwardContext ctx, Tensor cos, Tensor sin, long queryFrom = 0, DistinctRows? distinct = null)
    {
        var residPre = hook_resid_pre.call(x);
        var attnOut = hook_attn_out.call(attn.Forward(ln1.call(residPre), ctx, cos, sin, queryFrom, distinct));
        if (queryFrom > 0) residPre = residPre.narrow(1, queryFrom, residPre.shape[1] - queryFrom);
        var residMid = hook_resid_mid.call(residPre.Plus(attnOut));
        var mlpOut = hook_mlp_out.call(mlp.call(ln2.call(residMid)));
        return hook_resid_post.call(residMid.Plus(mlpOut));
    }

    public override Tensor forward(Tensor x, ForwardContext ctx) =>
        throw new InvalidOperationException("call Forward(x, ctx, cos, sin): the block needs the rotary tables");
}
