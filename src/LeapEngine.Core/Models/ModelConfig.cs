namespace LeapEngine.Core.Models;

public enum Architecture { Gpt2, Llama }

/// <summary>
/// The shape of a transformer, independent of the checkpoint format it came from.
/// Field names follow TransformerLens (d_model, n_heads, d_mlp, ...).
/// </summary>
public sealed record ModelConfig
{
    public required Architecture Architecture { get; init; }
    /// <summary>The checkpoint's own model_type ("gpt2", "llama", "qwen2", "llama2c").</summary>
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
    /// <summary>GPT-2: "gelu_new" etc.; Llama: "silu".</summary>
    public required string Activation { get; init; }
    public double RopeTheta { get; init; } = 10000.0;
    /// <summary>Bias on the q, k and v projections (Qwen2-style Llama).</summary>
    public bool AttentionBias { get; init; }
    /// <summary>Bias on the Llama output projection and MLP (rare).</summary>
    public bool MlpBias { get; init; }
    public bool TiedEmbeddings { get; init; }
    public int? BosTokenId { get; init; }
    public int? EosTokenId { get; init; }

    public int DKv => NKvHeads * DHead;

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
        if (Architecture == Architecture.Llama && DHead % 2 != 0)
            throw new InvalidDataException($"model config: rotary embeddings need an even head size, got {DHead}");
    }
}
