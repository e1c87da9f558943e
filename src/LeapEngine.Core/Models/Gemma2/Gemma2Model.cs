using LeapEngine.Core.Hooks;
using LeapEngine.Core.Models.Common;
using LeapEngine.Core.Tensors;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LeapEngine.Core.Models.Gemma2;

/// <summary>
/// Gemma 2 (model_type gemma2): embeddings scaled by sqrt(d_model), four norms per block, GeGLU,
/// soft-capped attention scores with query_pre_attn_scalar, sliding windows on alternate layers,
/// soft-capped logits, tied embeddings by default.
/// </summary>
public sealed class Gemma2Model : TransformerModel
{
    private readonly Parameter embed_tokens;
    private readonly HookPoint hook_embed = new();
    private readonly ModuleList<Gemma2Block> blocks = new();
    private readonly Gemma2RmsNorm ln_final;
    private readonly Parameter? lm_head;

    public Gemma2Model(ModelConfig config) : base(nameof(Gemma2Model), config)
    {
        embed_tokens = new Parameter(zeros(config.VocabSize, config.DModel), requires_grad: false);
        for (int i = 0; i < config.NLayers; i++) blocks.Add(new Gemma2Block(config));
        ln_final = new Gemma2RmsNorm(config.DModel, config.NormEps);
        if (!config.TiedEmbeddings) lm_head = new Parameter(zeros(config.VocabSize, config.DModel), requires_grad: false);
        RegisterComponents();
        IndexHookPoints();
    }

    public override Tensor TokenEmbeddings => embed_tokens;
    private Tensor Unembedding => lm_head ?? embed_tokens;

    /// <summary>The first block's input is the scaled token embedding alone (rotary positions come after the projections).</summary>
    protected override Tensor FirstLayerInputKeys(Tensor inputIds, ForwardContext pass) => inputIds;

    /// <summary>
    /// Token embeddings times sqrt(d_model), the factor rounded to the embeddings' dtype first as transformers
    /// does (a tensor of that dtype); hook_embed sees the scaled rows, as in TransformerLens.
    /// </summary>
    protected override Tensor Embed(Tensor tokenEmbeddings, ForwardContext pass)
    {
        var normalizer = tensor(Math.Sqrt(Config.DModel), device: tokenEmbeddings.device).to(tokenEmbeddings.dtype);
        return hook_embed.call(tokenEmbeddings * normalizer);                  // [batch, token, d_model]
    }

    protected override nn.Module<Tensor, LayerContext, Tensor> Block(int layer) => blocks[layer];

    /// <summary>Final norm, unembedding, then final_logit_softcapping: tanh(logits / cap) * cap.</summary>
    protected override Tensor Unembed(Tensor x)
    {
        var logits = nn.functional.linear(ln_final.call(x), Unembedding);     // [batch, token, vocab]
        return Config.FinalLogitSoftcapping is { } cap ? logits.DividedBy(cap).tanh().Times(cap) : logits;
    }

    /// <summary>Loads Hugging Face Gemma 2 tensors (optional "model." prefix).</summary>
    public override void LoadCheckpoint(IReadOnlyDictionary<string, Tensor> checkpoint, string source) =>
        WeightNames().Load(WeightMap.StripPrefixes(checkpoint, "model."), name => name.EndsWith("rotary_emb.inv_freq"), source);

    /// <summary>Hugging Face names of every weight (without the "model." prefix).</summary>
    public override WeightMap WeightNames()
    {
        var map = new WeightMap().Add("embed_tokens.weight", embed_tokens);
        for (int i = 0; i < Config.NLayers; i++)
        {
            var b = blocks[i];
            var p = $"layers.{i}.";
            map.Add(p + "input_layernorm.weight", b.Ln1.Weight)
               .Add(p + "post_attention_layernorm.weight", b.Ln1Post.Weight)
               .Add(p + "pre_feedforward_layernorm.weight", b.Ln2.Weight)
               .Add(p + "post_feedforward_layernorm.weight", b.Ln2Post.Weight);
            map.AddLinear(p + "self_attn.q_proj", b.Attn.Q);
            map.AddLinear(p + "self_attn.k_proj", b.Attn.K);
            map.AddLinear(p + "self_attn.v_proj", b.Attn.V);
            map.AddLinear(p + "self_attn.o_proj", b.Attn.O);
            map.AddLinear(p + "mlp.gate_proj", b.Mlp.Gate);
            map.AddLinear(p + "mlp.up_proj", b.Mlp.Up);
            map.AddLinear(p + "mlp.down_proj", b.Mlp.Down);
        }
        map.Add("norm.weight", ln_final.Weight);
        if (lm_head is not null) map.Add("lm_head.weight", lm_head);
        else map.AddOptional("lm_head.weight", embed_tokens);
        return map;
    }
}
