using LeapEngine.Core.Tensors;
using LeapEngine.Core.Hooks;
using LeapEngine.Core.Models.Common;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LeapEngine.Core.Models.Gpt2;

/// <summary>GPT-2: learned absolute positions, pre-norm blocks, LayerNorm, GELU MLP.</summary>
public sealed class Gpt2Model : TransformerModel
{
    private readonly Parameter wte;
    private readonly HookPoint hook_embed = new();
    private readonly Parameter wpe;
    private readonly HookPoint hook_pos_embed = new();
    private readonly ModuleList<Gpt2Block> blocks = new();
    private readonly Gpt2LayerNorm ln_final;
    private readonly Parameter? lm_head;

    public Gpt2Model(ModelConfig config) : base(nameof(Gpt2Model), config)
    {
        wte = new Parameter(zeros(config.VocabSize, config.DModel), requires_grad: false);
        wpe = new Parameter(zeros(config.ContextLength, config.DModel), requires_grad: false);
        for (int i = 0; i < config.NLayers; i++) blocks.Add(new Gpt2Block(config));
        ln_final = new Gpt2LayerNorm(config.DModel, config.NormEps);
        if (!config.TiedEmbeddings) lm_head = new Parameter(zeros(config.VocabSize, config.DModel), requires_grad: false);
        RegisterComponents();
        IndexHookPoints();
    }

    public override Tensor TokenEmbeddings => wte;
    private Tensor Unembedding => lm_head ?? wte;

    /// <summary>The first block's input is token embedding + position embedding.</summary>
    protected override Tensor FirstLayerInputKeys(Tensor inputIds, ForwardContext pass) => inputIds.Times(Config.ContextLength).Plus(pass.Positions);

    protected override Tensor Embed(Tensor tokenEmbeddings, ForwardContext pass)
    {
        var embed = hook_embed.call(tokenEmbeddings);                           // [batch, token, d_model]
        var posEmbed = hook_pos_embed.call(wpe.index_select(0, pass.Positions.reshape(-1))
            .view(pass.Batch, pass.Tokens, Config.DModel));                     // [batch, token, d_model]
        return embed.Plus(posEmbed);
    }

    protected override nn.Module<Tensor, LayerContext, Tensor> Block(int layer) => blocks[layer];

    protected override Tensor Unembed(Tensor x) => nn.functional.linear(ln_final.call(x), Unembedding);

    /// <summary>Loads Hugging Face GPT-2 tensors (Conv1D layout [in, out]; optional "transformer." prefix).</summary>
    public override void LoadCheckpoint(IReadOnlyDictionary<string, Tensor> checkpoint, string source) =>
        // Causal-mask buffers of older checkpoints carry no weights.
        WeightNames().Load(WeightMap.StripPrefixes(checkpoint, "transformer."),
            name => name.EndsWith(".attn.bias") || name.EndsWith(".attn.masked_bias"), source);

    /// <summary>Hugging Face names of every weight (without the "transformer." prefix).</summary>
    public override WeightMap WeightNames()
    {
        var map = new WeightMap().Add("wte.weight", wte).Add("wpe.weight", wpe);
        const bool conv1d = true;   // Conv1D stores [in, out]; Linear wants [out, in]
        for (int i = 0; i < Config.NLayers; i++)
        {
            var b = blocks[i];
            var p = $"h.{i}.";
            map.Add(p + "ln_1.weight", b.Ln1.Weight).Add(p + "ln_1.bias", b.Ln1.Bias)
               .Add(p + "attn.c_attn.weight", b.Attn.QkvProjection.weight!, conv1d)
               .Add(p + "attn.c_attn.bias", b.Attn.QkvProjection.bias!)
               .Add(p + "attn.c_proj.weight", b.Attn.OutputProjection.weight!, conv1d)
               .Add(p + "attn.c_proj.bias", b.Attn.OutputProjection.bias!)
               .Add(p + "ln_2.weight", b.Ln2.Weight).Add(p + "ln_2.bias", b.Ln2.Bias)
               .Add(p + "mlp.c_fc.weight", b.Mlp.Input.weight!, conv1d)
               .Add(p + "mlp.c_fc.bias", b.Mlp.Input.bias!)
               .Add(p + "mlp.c_proj.weight", b.Mlp.Output.weight!, conv1d)
               .Add(p + "mlp.c_proj.bias", b.Mlp.Output.bias!);
        }
        map.Add("ln_f.weight", ln_final.Weight).Add("ln_f.bias", ln_final.Bias);
        if (lm_head is not null) map.Add("lm_head.weight", lm_head);
        else map.AddOptional("lm_head.weight", wte);   // some exports store the tied copy too
        return map;
    }
}
