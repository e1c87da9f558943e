using LeapEngine.Core.Hooks;
using LeapEngine.Core.Models.Common;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LeapEngine.Core.Models.Llama;

/// <summary>The Llama family (Llama 2/3, Qwen2, Mistral and Qwen2 with sliding windows, Llama 3.1 rope scaling, Phi-3, llama2.c).</summary>
public sealed class LlamaModel : TransformerModel
{
    private readonly Parameter embed_tokens;
    private readonly HookPoint hook_embed = new();
    private readonly ModuleList<LlamaBlock> blocks = new();
    private readonly RmsNorm ln_final;
    private readonly Parameter? lm_head;

    public LlamaModel(ModelConfig config) : base(nameof(LlamaModel), config)
    {
        embed_tokens = new Parameter(zeros(config.VocabSize, config.DModel), requires_grad: false);
        for (int i = 0; i < config.NLayers; i++) blocks.Add(new LlamaBlock(config));
        ln_final = new RmsNorm(config.DModel, config.NormEps);
        if (!config.TiedEmbeddings) lm_head = new Parameter(zeros(config.VocabSize, config.DModel), requires_grad: false);
        RegisterComponents();
        IndexHookPoints();
    }

    public override Tensor TokenEmbeddings => embed_tokens;
    private Tensor Unembedding => lm_head ?? embed_tokens;

    /// <summary>The first block's input is the token embedding alone (rotary positions come after the projections).</summary>
    protected override Tensor FirstLayerInputKeys(Tensor inputIds, ForwardContext pass) => inputIds;

    /// <summary>Token embeddings only: rotary positions are applied to q and k in every layer.</summary>
    protected override Tensor Embed(Tensor tokenEmbeddings, ForwardContext pass) => hook_embed.call(tokenEmbeddings);

    protected override nn.Module<Tensor, LayerContext, Tensor> Block(int layer) => blocks[layer];

    protected override Tensor Unembed(Tensor x) => nn.functional.linear(ln_final.call(x), Unembedding);

    /// <summary>Loads Hugging Face Llama-layout tensors (optional "model." prefix, rotate-half q/k rows).</summary>
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
               .Add(p + "post_attention_layernorm.weight", b.Ln2.Weight);
            if (Config.FusedProjections)
            {
                // Phi-3: one qkv_proj (q, k, v rows) and one gate_up_proj (gate, up rows), no biases.
                map.AddStacked(p + "self_attn.qkv_proj.weight", b.Attn.Q.weight!, b.Attn.K.weight!, b.Attn.V.weight!)
                   .AddStacked(p + "mlp.gate_up_proj.weight", b.Mlp.Gate.weight!, b.Mlp.Up.weight!);
            }
            else
            {
                map.AddLinear(p + "self_attn.q_proj", b.Attn.Q);
                map.AddLinear(p + "self_attn.k_proj", b.Attn.K);
                map.AddLinear(p + "self_attn.v_proj", b.Attn.V);
                map.AddLinear(p + "mlp.gate_proj", b.Mlp.Gate);
                map.AddLinear(p + "mlp.up_proj", b.Mlp.Up);
            }
            map.AddLinear(p + "self_attn.o_proj", b.Attn.O);
            map.AddLinear(p + "mlp.down_proj", b.Mlp.Down);
        }
        map.Add("norm.weight", ln_final.Weight);
        if (lm_head is not null) map.Add("lm_head.weight", lm_head);
        else map.AddOptional("lm_head.weight", embed_tokens);
        return map;
    }
}
