using LeapEngine.Core.Tensors;
using LeapEngine.Core.Hooks;
using LeapEngine.Core.Models.Common;
using LeapEngine.Core.Models.Llama;
using TorchSharp;
using static TorchSharp.torch;

namespace LeapEngine.Core.Models.Gemma2;

/// <summary>
/// One Gemma 2 block: norms before and after both the attention and the MLP (ln1, ln1_post, ln2, ln2_post,
/// TransformerLens's names for input_layernorm, post_attention_layernorm, pre_feedforward_layernorm and
/// post_feedforward_layernorm). hook_attn_out and hook_mlp_out are the post-normed outputs, which is what
/// the residual stream adds. Attention and MLP are Llama's, configured by Gemma's values (query_pre_attn_scalar,
/// attn_logit_softcapping, gelu_pytorch_tanh).
/// </summary>
public sealed class Gemma2Block : nn.Module<Tensor, LayerContext, Tensor>
{
    private readonly HookPoint hook_resid_pre = new();
    private readonly Gemma2RmsNorm ln1;
    private readonly LlamaAttention attn;
    private readonly Gemma2RmsNorm ln1_post;
    private readonly HookPoint hook_attn_out = new();
    private readonly HookPoint hook_resid_mid = new();
    private readonly Gemma2RmsNorm ln2;
    private readonly LlamaMlp mlp;
    private readonly Gemma2RmsNorm ln2_post;
    private readonly HookPoint hook_mlp_out = new();
    private readonly HookPoint hook_resid_post = new();

    public Gemma2Block(ModelConfig config) : base(nameof(Gemma2Block))
    {
        ln1 = new Gemma2RmsNorm(config.DModel, config.NormEps);
        attn = new LlamaAttention(config);
        ln1_post = new Gemma2RmsNorm(config.DModel, config.NormEps);
        ln2 = new Gemma2RmsNorm(config.DModel, config.NormEps);
        mlp = new LlamaMlp(config);
        ln2_post = new Gemma2RmsNorm(config.DModel, config.NormEps);
        RegisterComponents();
    }

    public Gemma2RmsNorm Ln1 => ln1;
    public LlamaAttention Attn => attn;
    public Gemma2RmsNorm Ln1Post => ln1_post;
    public Gemma2RmsNorm Ln2 => ln2;
    public LlamaMlp Mlp => mlp;
    public Gemma2RmsNorm Ln2Post => ln2_post;

    /// <summary>x [batch, token, d_model] to [batch, query, d_model] (the layer's kept queries).</summary>
    public override Tensor forward(Tensor x, LayerContext layer)
    {
        var residPre = hook_resid_pre.call(x);
        var attnOut = hook_attn_out.call(ln1_post.call(attn.call(ln1.call(residPre), layer)));
        var residMid = hook_resid_mid.call(layer.KeptQueries(residPre).Plus(attnOut));
        var mlpOut = hook_mlp_out.call(ln2_post.call(mlp.call(ln2.call(residMid))));
        return hook_resid_post.call(residMid.Plus(mlpOut));
    }
}
