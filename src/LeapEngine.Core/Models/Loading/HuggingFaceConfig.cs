using System.Text.Json;

namespace LeapEngine.Core.Models.Loading;

/// <summary>Reads a Hugging Face <c>config.json</c> into a <see cref="ModelConfig"/>.</summary>
public static class HuggingFaceConfig
{
    private static readonly string[] LlamaFamily = ["llama", "qwen2", "mistral"];

    public static ModelConfig Read(string configPath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(configPath));
        return Parse(doc.RootElement, configPath);
    }

    public static ModelConfig Parse(JsonElement c, string source = "config.json")
    {
        var modelType = Str(c, "model_type") ?? throw new InvalidDataException($"{source}: no model_type");
        ModelConfig config;
        if (modelType == "gpt2")
        {
            int d = Int(c, source, "n_embd");
            int heads = Int(c, source, "n_head");
            config = new ModelConfig
            {
                Architecture = Architecture.Gpt2,
                ModelType = modelType,
                VocabSize = Int(c, source, "vocab_size"),
                DModel = d,
                NLayers = Int(c, source, "n_layer"),
                NHeads = heads,
                NKvHeads = heads,
                DHead = heads > 0 ? d / heads : 0,
                DMlp = OptInt(c, "n_inner") ?? 4 * d,
                ContextLength = OptInt(c, "n_positions") ?? OptInt(c, "n_ctx") ?? throw Missing(source, "n_positions"),
                NormEps = OptDouble(c, "layer_norm_epsilon") ?? 1e-5,
                Activation = Str(c, "activation_function") ?? "gelu_new",
                TiedEmbeddings = OptBool(c, "tie_word_embeddings") ?? true,
                BosTokenId = OptInt(c, "bos_token_id"),
                EosTokenId = OptInt(c, "eos_token_id"),
            };
        }
        else if (LlamaFamily.Contains(modelType))
        {
            int d = Int(c, source, "hidden_size");
            int heads = Int(c, source, "num_attention_heads");
            if (c.TryGetProperty("rope_scaling", out var scaling) && scaling.ValueKind != JsonValueKind.Null)
                throw new NotSupportedException($"{source}: rope_scaling ({scaling.GetRawText()}) is not supported yet");
            config = new ModelConfig
            {
                Architecture = Architecture.Llama,
                ModelType = modelType,
                VocabSize = Int(c, source, "vocab_size"),
                DModel = d,
                NLayers = Int(c, source, "num_hidden_layers"),
                NHeads = heads,
                NKvHeads = OptInt(c, "num_key_value_heads") ?? heads,
                DHead = OptInt(c, "head_dim") ?? (heads > 0 ? d / heads : 0),
                DMlp = Int(c, source, "intermediate_size"),
                ContextLength = OptInt(c, "max_position_embeddings") ?? 2048,
                NormEps = OptDouble(c, "rms_norm_eps") ?? 1e-6,
                Activation = Str(c, "hidden_act") ?? "silu",
                RopeTheta = OptDouble(c, "rope_theta") ?? 10000.0,
                // Qwen2 always has q/k/v bias (its config has no switch); Llama declares it with attention_bias.
                AttentionBias = modelType == "qwen2" || (OptBool(c, "attention_bias") ?? false),
                MlpBias = OptBool(c, "mlp_bias") ?? false,
                TiedEmbeddings = OptBool(c, "tie_word_embeddings") ?? false,
                BosTokenId = OptInt(c, "bos_token_id"),
                EosTokenId = OptInt(c, "eos_token_id"),
            };
            if (config.Activation != "silu")
                throw new NotSupportedException($"{source}: hidden_act '{config.Activation}' is not supported (only silu)");
        }
        else
        {
            throw new NotSupportedException(
                $"{source}: model_type '{modelType}' is not supported; supported: gpt2, {string.Join(", ", LlamaFamily)}");
        }
        config.Validate();
        return config;
    }

    private static Exception Missing(string source, string key) => new InvalidDataException($"{source}: missing '{key}'");

    private static string? Str(JsonElement c, string key) =>
        c.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int Int(JsonElement c, string source, string key) => OptInt(c, key) ?? throw Missing(source, key);

    private static int? OptInt(JsonElement c, string key) =>
        c.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32()
        // eos_token_id may be a list (Llama 3 instruct); take the first.
        : c.TryGetProperty(key, out v) && v.ValueKind == JsonValueKind.Array && v.GetArrayLength() > 0
          && v[0].ValueKind == JsonValueKind.Number ? v[0].GetInt32() : null;

    private static double? OptDouble(JsonElement c, string key) =>
        c.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    private static bool? OptBool(JsonElement c, string key) =>
        c.TryGetProperty(key, out var v) && (v.ValueKind == JsonValueKind.True || v.ValueKind == JsonValueKind.False)
            ? v.GetBoolean() : null;
}
