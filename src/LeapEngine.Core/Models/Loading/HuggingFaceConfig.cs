using System.Text.Json;

namespace LeapEngine.Core.Models.Loading;

/// <summary>Reads a Hugging Face <c>config.json</c> into a <see cref="ModelConfig"/>.</summary>
public static class HuggingFaceConfig
{
    private static readonly string[] LlamaFamily = ["llama", "qwen2", "mistral", "phi3"];

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
            int layers = Int(c, source, "num_hidden_layers");
            var (window, slidingLayers) = ReadSlidingWindow(c, source, modelType, layers);
            bool phi3 = modelType == "phi3";
            if (phi3 && OptDouble(c, "partial_rotary_factor") is { } partial && partial != 1.0)
                throw new NotSupportedException(
                    $"{source}: partial_rotary_factor {partial} (rotary on part of each head, as Phi-4-mini) is not supported; only 1.0");
            config = new ModelConfig
            {
                Architecture = Architecture.Llama,
                ModelType = modelType,
                VocabSize = Int(c, source, "vocab_size"),
                DModel = d,
                NLayers = layers,
                NHeads = heads,
                NKvHeads = OptInt(c, "num_key_value_heads") ?? heads,
                DHead = OptInt(c, "head_dim") ?? (heads > 0 ? d / heads : 0),
                DMlp = Int(c, source, "intermediate_size"),
                ContextLength = OptInt(c, "max_position_embeddings") ?? 2048,
                NormEps = OptDouble(c, "rms_norm_eps") ?? 1e-6,
                Activation = Str(c, "hidden_act") ?? "silu",
                RopeTheta = RopeTheta(c),
                RopeScaling = ReadRopeScaling(c, source, modelType),
                SlidingWindow = window,
                SlidingLayers = slidingLayers,
                // Qwen2 always has q/k/v bias (its config has no switch); Llama declares it with attention_bias.
                // Phi-3's fused projections have no bias whatever the config says (transformers ignores the keys).
                AttentionBias = modelType == "qwen2" || (!phi3 && (OptBool(c, "attention_bias") ?? false)),
                MlpBias = !phi3 && (OptBool(c, "mlp_bias") ?? false),
                FusedProjections = phi3,
                TiedEmbeddings = OptBool(c, "tie_word_embeddings") ?? false,
                BosTokenId = OptInt(c, "bos_token_id"),
                EosTokenId = OptInt(c, "eos_token_id"),
            };
            if (config.Activation != "silu")
                throw new NotSupportedException($"{source}: hidden_act '{config.Activation}' is not supported (only silu)");
        }
        else if (modelType == "gemma2")
        {
            config = ReadGemma2(c, source);
        }
        else
        {
            throw new NotSupportedException(
                $"{source}: model_type '{modelType}' is not supported; supported: gpt2, {string.Join(", ", LlamaFamily)}, gemma2");
        }
        config.Validate();
        return config;
    }

    /// <summary>
    /// transformers' semantics: MistralConfig's sliding_window defaults to 4096 when the key is
    /// absent (null turns it off) and applies to every layer. Phi-3 (a Mistral model in transformers)
    /// windows every layer too, but only when the config gives a sliding_window (Phi-3-mini: 2047). Qwen2 uses its sliding_window only
    /// with use_sliding_window, on the layers from max_window_layers (default 28) on, unless
    /// layer_types lists "sliding_attention"/"full_attention" per layer. Llama has no window.
    /// </summary>
    private static (int? Window, bool[]? Layers) ReadSlidingWindow(JsonElement c, string source, string modelType, int layers)
    {
        bool present = c.TryGetProperty("sliding_window", out var raw) && raw.ValueKind != JsonValueKind.Null;
        if (present && raw.ValueKind != JsonValueKind.Number)
            throw new InvalidDataException($"{source}: sliding_window must be a number or null, got {raw.GetRawText()}");
        int? window = present ? raw.GetInt32() : null;
        switch (modelType)
        {
            case "mistral":
                return (c.TryGetProperty("sliding_window", out _) ? window : 4096, null);
            case "phi3":
                return (window, null);
            case "qwen2":
                if (!(OptBool(c, "use_sliding_window") ?? false)) return (null, null);
                window ??= c.TryGetProperty("sliding_window", out _) ? null : 4096;
                if (window is null) return (null, null);
                int from = OptInt(c, "max_window_layers") ?? 28;
                return (window, ReadLayerTypes(c, source) ?? Enumerable.Range(0, layers).Select(i => i >= from).ToArray());
            default:
                return (null, null);
        }
    }

    /// <summary>
    /// Gemma 2 as transformers' Gemma2Config reads it, defaults included (head_dim 256, query_pre_attn_scalar 256,
    /// soft caps 50 and 30, sliding_window 4096 on the even layers unless layer_types says otherwise, tied
    /// embeddings). The MLP's activation is hidden_activation (Gemma2MLP ignores hidden_act).
    /// </summary>
    private static ModelConfig ReadGemma2(JsonElement c, string source)
    {
        int layers = Int(c, source, "num_hidden_layers");
        if (OptBool(c, "use_bidirectional_attention") == true)
            throw new NotSupportedException(
                $"{source}: use_bidirectional_attention true (an encoder-style Gemma, every token seeing every other) is not supported; only causal Gemma 2");
        var activation = Str(c, "hidden_activation") ?? "gelu_pytorch_tanh";
        if (activation != "gelu_pytorch_tanh")
            throw new NotSupportedException($"{source}: gemma2 hidden_activation '{activation}' is not supported (only gelu_pytorch_tanh)");
        int? window = NumberOrNull(c, source, "sliding_window", 4096) is { } w ? (int)w : null;
        var sliding = ReadLayerTypes(c, source) ?? Enumerable.Range(0, layers).Select(i => i % 2 == 0).ToArray();
        return new ModelConfig
        {
            Architecture = Architecture.Gemma2,
            ModelType = "gemma2",
            VocabSize = Int(c, source, "vocab_size"),
            DModel = Int(c, source, "hidden_size"),
            NLayers = layers,
            NHeads = Int(c, source, "num_attention_heads"),
            NKvHeads = OptInt(c, "num_key_value_heads") ?? 4,
            DHead = OptInt(c, "head_dim") ?? 256,
            DMlp = Int(c, source, "intermediate_size"),
            ContextLength = OptInt(c, "max_position_embeddings") ?? 8192,
            NormEps = OptDouble(c, "rms_norm_eps") ?? 1e-6,
            Activation = activation,
            RopeTheta = RopeTheta(c),
            RopeScaling = ReadRopeScaling(c, source, "gemma2"),
            SlidingWindow = window,
            SlidingLayers = window is null ? null : sliding,
            QueryPreAttnScalar = OptDouble(c, "query_pre_attn_scalar") ?? 256,
            AttnLogitSoftcapping = NumberOrNull(c, source, "attn_logit_softcapping", 50.0),
            FinalLogitSoftcapping = NumberOrNull(c, source, "final_logit_softcapping", 30.0),
            AttentionBias = OptBool(c, "attention_bias") ?? false,
            TiedEmbeddings = OptBool(c, "tie_word_embeddings") ?? true,
            BosTokenId = OptInt(c, "bos_token_id") ?? 2,
            EosTokenId = OptInt(c, "eos_token_id") ?? 1,
        };
    }

    /// <summary>
    /// layer_types ("sliding_attention" / "full_attention" per layer) as which layers slide, or null when the
    /// config has none; any other type is refused by name.
    /// </summary>
    private static bool[]? ReadLayerTypes(JsonElement c, string source)
    {
        if (!c.TryGetProperty("layer_types", out var types) || types.ValueKind != JsonValueKind.Array) return null;
        return types.EnumerateArray().Select(t => t.GetString() switch
        {
            "sliding_attention" => true,
            "full_attention" => false,
            var other => throw new NotSupportedException(
                $"{source}: layer type '{other}' is not supported (sliding_attention, full_attention)"),
        }).ToArray();
    }

    /// <summary>A key whose absence means <paramref name="absent"/> and whose null turns the feature off (transformers' defaults).</summary>
    private static double? NumberOrNull(JsonElement c, string source, string key, double absent)
    {
        if (!c.TryGetProperty(key, out var v)) return absent;
        return v.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.Number => v.GetDouble(),
            _ => throw new InvalidDataException($"{source}: {key} must be a number or null, got {v.GetRawText()}"),
        };
    }

    /// <summary>rope_scaling: null or "default" is plain rotary; "llama3" is Llama 3.1's scaling; any other type is refused by name.</summary>
    private static RopeScaling? ReadRopeScaling(JsonElement c, string source, string modelType)
    {
        // transformers 5 writes rope_parameters (rope_type, rope_theta and the scaling keys in one object) instead.
        if (!c.TryGetProperty("rope_scaling", out var s) || s.ValueKind == JsonValueKind.Null)
            if (!c.TryGetProperty("rope_parameters", out s) || s.ValueKind == JsonValueKind.Null) return null;
        if (s.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{source}: rope_scaling must be an object, got {s.GetRawText()}");
        var type = Str(s, "rope_type") ?? Str(s, "type");
        switch (type)
        {
            case "default":
                return null;
            case "llama3":
                string Need(string key) => $"{source}: rope_scaling llama3 needs '{key}'";
                return new RopeScaling(
                    OptDouble(s, "factor") ?? throw new InvalidDataException(Need("factor")),
                    OptDouble(s, "low_freq_factor") ?? throw new InvalidDataException(Need("low_freq_factor")),
                    OptDouble(s, "high_freq_factor") ?? throw new InvalidDataException(Need("high_freq_factor")),
                    OptInt(s, "original_max_position_embeddings") ?? throw new InvalidDataException(Need("original_max_position_embeddings")));
            case "longrope" or "su" when modelType == "phi3":
                throw new NotSupportedException(
                    $"{source}: rope_scaling type '{type}' (Phi-3's long-context variants, e.g. Phi-3-mini-128k) is not supported; " +
                    "use a 4k-context Phi-3 (rope_scaling null)");
            default:
                throw new NotSupportedException(
                    $"{source}: rope_scaling type '{type ?? "(none)"}' is not supported (supported: llama3, default); got {s.GetRawText()}");
        }
    }

    /// <summary>rope_theta, or transformers 5's rope_parameters.rope_theta; 10000 when neither is given.</summary>
    private static double RopeTheta(JsonElement c) =>
        OptDouble(c, "rope_theta")
        ?? (c.TryGetProperty("rope_parameters", out var p) && p.ValueKind == JsonValueKind.Object ? OptDouble(p, "rope_theta") : null)
        ?? 10000.0;

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
