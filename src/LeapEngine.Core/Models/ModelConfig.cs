namespace LeapEngine.Core.Models;

public enum Architecture { Gpt2, Llama, Gemma2 }

/// <summary>
/// The shape of a transformer, independent of the checkpoint format it came from.
/// Field names follow TransformerLens (d_model, n_heads, d_mlp, ...).
/// </summary>
public sealed record ModelConfig
{
    public required Architecture Architecture { get; init; }
    /// <summary>The checkpoint's own model_type ("gpt2", "llama", "qwen2", "mistral", "phi3", "gemma2", "llama2c").</summary>
    public required string ModelType { get; init; }
    public required int VocabSize { get; init; }
    public required int DModel { get; init; }
    public required int NLayers { get; init; }
    public required int NHeads { get; init; }
    /// <summary>Key/value heads; fewer than NHeads means grouped-query attention.</summary>
    public required int NKvHeads { get; init; }
    public required int DHead { get; init; }
    public required int DMlp { get; init; }
    /// <summary>Longest sequence the model accepts (learned positions or trained context).</summary>
    public required int ContextLength { get; init; }
    public required double NormEps { get; init; }
    /// <summary>GPT-2: "gelu_new" etc.; Llama: "silu"; Gemma 2: "gelu_pytorch_tanh" (its hidden_activation).</summary>
    public required string Activation { get; init; }
    public double RopeTheta { get; init; } = 10000.0;
    /// <summary>Bias on the q, k and v projections (Qwen2-style Llama).</summary>
    public bool AttentionBias { get; init; }
    /// <summary>Bias on the Llama output projection and MLP (rare).</summary>
    public bool MlpBias { get; init; }
    public bool TiedEmbeddings { get; init; }
    /// <summary>
    /// Phi-3's checkpoint layout: q, k and v stored as one <c>qkv_proj</c> and gate and up as one <c>gate_up_proj</c>
    /// (split into the usual projections at load, so hooks and attention are the Llama ones).
    /// </summary>
    public bool FusedProjections { get; init; }
    public int? BosTokenId { get; init; }
    public int? EosTokenId { get; init; }

    /// <summary>Llama 3.1+ long-context rotary scaling (<c>rope_scaling</c> of type llama3), or null.</summary>
    public RopeScaling? RopeScaling { get; init; }
    /// <summary>
    /// Sliding-window attention (Mistral, Qwen2 with use_sliding_window): a query sees the keys
    /// less than this many positions before it (itself included). Null: full causal attention.
    /// </summary>
    public int? SlidingWindow { get; init; }
    /// <summary>Which layers use <see cref="SlidingWindow"/> (Qwen2's max_window_layers / layer_types, Gemma 2's even layers); null = every layer.</summary>
    public IReadOnlyList<bool>? SlidingLayers { get; init; }

    /// <summary>
    /// Gemma 2's <c>query_pre_attn_scalar</c>: attention scores are q k^T / sqrt(this) instead of / sqrt(d_head)
    /// (gemma-2-27b: 144 with d_head 128). Null: sqrt(d_head).
    /// </summary>
    public double? QueryPreAttnScalar { get; init; }
    /// <summary>Gemma 2's <c>attn_logit_softcapping</c>: scores become tanh(s / cap) * cap before the mask and softmax. Null: none.</summary>
    public double? AttnLogitSoftcapping { get; init; }
    /// <summary>Gemma 2's <c>final_logit_softcapping</c>: logits become tanh(l / cap) * cap. Null: none.</summary>
    public double? FinalLogitSoftcapping { get; init; }

    /// <summary>
    /// Whether prompts start with BOS by default: the Llama family and Gemma 2 were trained that way; GPT-2 was
    /// not (it only uses &lt;|endoftext|&gt; between documents). A new family says which here.
    /// </summary>
    public bool TrainedWithBos => Architecture != Architecture.Gpt2;

    public int DKv => NKvHeads * DHead;

    /// <summary>The attention window of one layer, or null when it attends to every earlier position.</summary>
    public int? WindowOf(int layer) =>
        SlidingWindow is { } w && (SlidingLayers is null || SlidingLayers[layer]) ? w : null;

    /// <summary>Checks the numbers fit together before any tensor is made from them.</summary>
    public void Validate()
    {
        void Positive(int v, string name)
        {
            if (v <= 0) throw new InvalidDataException($"model config: {name} must be positive, got {v}");
        }
        Positive(VocabSize, "vocab_size");
        Positive(DModel, "d_model");
        Positive(NLayers, "n_layers");
        Positive(NHeads, "n_heads");
        Positive(NKvHeads, "n_kv_heads");
        Positive(DHead, "d_head");
        Positive(DMlp, "d_mlp");
        Positive(ContextLength, "context length");
        if (NHeads % NKvHeads != 0)
            throw new InvalidDataException($"model config: n_heads ({NHeads}) must be a multiple of n_kv_heads ({NKvHeads})");
        if (Architecture == Architecture.Gpt2 && NHeads * DHead != DModel)
            throw new InvalidDataException($"model config: n_heads ({NHeads}) x d_head ({DHead}) must equal d_model ({DModel})");
        if (Architecture != Architecture.Gpt2 && DHead % 2 != 0)
            throw new InvalidDataException($"model config: rotary embeddings need an even head size, got {DHead}");
        if (SlidingWindow is { } window) Positive(window, "sliding_window");
        if (SlidingLayers is not null && SlidingLayers.Count != NLayers)
            throw new InvalidDataException($"model config: {SlidingLayers.Count} layer types for {NLayers} layers");
        void PositiveOrNull(double? v, string name)
        {
            if (v is { } x && !(x > 0)) throw new InvalidDataException($"model config: {name} must be positive or null, got {x}");
        }
        PositiveOrNull(QueryPreAttnScalar, "query_pre_attn_scalar");
        PositiveOrNull(AttnLogitSoftcapping, "attn_logit_softcapping");
        PositiveOrNull(FinalLogitSoftcapping, "final_logit_softcapping");
        RopeScaling?.Validate();
    }
}

/// <summary>
/// Llama 3.1's rotary frequency scaling (Hugging Face <c>rope_type</c> "llama3"): frequencies
/// whose wavelength exceeds original_max_position_embeddings / low_freq_factor are divided by
/// factor, those shorter than original / high_freq_factor kept, the ones between interpolated.
/// </summary>
public sealed record RopeScaling(double Factor, double LowFreqFactor, double HighFreqFactor, int OriginalMaxPositionEmbeddings)
{
    public void Validate()
    {
        if (!(Factor > 0) || !(LowFreqFactor > 0) || !(HighFreqFactor > LowFreqFactor) || OriginalMaxPositionEmbeddings <= 0)
            throw new InvalidDataException(
                $"model config: rope_scaling llama3 needs factor > 0, 0 < low_freq_factor < high_freq_factor and original_max_position_embeddings > 0, got {this}");
    }

    /// <summary>The scaled inverse frequencies, as transformers' _compute_llama3_parameters computes them.</summary>
    public float[] Apply(float[] invFreq)
    {
        double lowWavelen = OriginalMaxPositionEmbeddings / LowFreqFactor;
        double highWavelen = OriginalMaxPositionEmbeddings / HighFreqFactor;
        var scaled = new float[invFreq.Length];
        for (int i = 0; i < invFreq.Length; i++)
        {
            double f = invFreq[i], wavelen = 2 * Math.PI / f;
            if (wavelen < highWavelen) scaled[i] = (float)f;
            else if (wavelen > lowWavelen) scaled[i] = (float)(f / Factor);
            else
            {
                double smooth = (OriginalMaxPositionEmbeddings / wavelen - LowFreqFactor) / (HighFreqFactor - LowFreqFactor);
                scaled[i] = (float)((1 - smooth) * f / Factor + smooth * f);
            }
        }
        return scaled;
    }
}
