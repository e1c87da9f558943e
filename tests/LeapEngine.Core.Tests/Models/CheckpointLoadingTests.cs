using System.Text.Json;
using LeapEngine.Core.Models;
using LeapEngine.Core.Models.Common;
using LeapEngine.Core.Models.Loading;
using LeapEngine.Core.Tensors;
using static TorchSharp.torch;

namespace LeapEngine.Core.Tests.Models;

/// <summary>
/// Checkpoint layouts the hub uses: prefixes, shards, half precision, untied heads,
/// Qwen2-style q/k/v bias, grouped-query attention; and clear errors for broken ones.
/// </summary>
public sealed class CheckpointLoadingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("leap-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly long[] Ids = [3, 17, 5, 42, 9, 1];

    private static Dictionary<string, object> LlamaConfig(string modelType = "llama", bool bias = false, bool tied = false) => new()
    {
        ["model_type"] = modelType, ["hidden_size"] = 32, ["intermediate_size"] = 48, ["num_hidden_layers"] = 2,
        ["num_attention_heads"] = 4, ["num_key_value_heads"] = 2, ["vocab_size"] = 64, ["max_position_embeddings"] = 64,
        ["rms_norm_eps"] = 1e-6, ["rope_theta"] = 50000.0, ["attention_bias"] = bias, ["tie_word_embeddings"] = tied,
    };

    private static Dictionary<string, object> Gpt2Config(bool tied = true) => new()
    {
        ["model_type"] = "gpt2", ["vocab_size"] = 64, ["n_positions"] = 32, ["n_embd"] = 32, ["n_layer"] = 2,
        ["n_head"] = 4, ["activation_function"] = "gelu_new", ["tie_word_embeddings"] = tied,
    };

    /// <summary>A random model, written to a folder; returns the logits the original gives.</summary>
    private Tensor WriteRandom(Dictionary<string, object> config, string prefix, Func<Dictionary<string, Tensor>, Dictionary<string, Tensor>>? edit = null,
        int shards = 1, ScalarType dtype = ScalarType.Float32)
    {
        File.WriteAllText(Path.Combine(_dir, "config.json"), JsonSerializer.Serialize(config));
        var parsed = HuggingFaceConfig.Read(Path.Combine(_dir, "config.json"));
        using var model = TransformerFactory.CreateRandom(parsed, seed: 1);
        // Biases are zero in a random model; make them matter.
        using (no_grad())
            foreach (var (name, p) in model.named_parameters())
                if (name.EndsWith("bias")) p.normal_(0, 0.1);
        var tensors = model.WeightNames().Export()
            .ToDictionary(kv => (kv.Key == "lm_head.weight" ? "" : prefix) + kv.Key, kv => kv.Value.to_type(dtype));
        if (edit is not null) tensors = edit(tensors);
        var names = tensors.Keys.OrderBy(k => k).ToList();
        if (shards == 1)
            Safetensors.Save(Path.Combine(_dir, "model.safetensors"), names.Select(n => (n, tensors[n])).ToList());
        else
        {
            var weightMap = new Dictionary<string, string>();
            for (int s = 0; s < shards; s++)
            {
                var file = $"model-{s + 1:00000}-of-{shards:00000}.safetensors";
                var part = names.Where((_, i) => i % shards == s).ToList();
                Safetensors.Save(Path.Combine(_dir, file), part.Select(n => (n, tensors[n])).ToList());
                foreach (var n in part) weightMap[n] = file;
            }
            File.WriteAllText(Path.Combine(_dir, "model.safetensors.index.json"), JsonSerializer.Serialize(new { weight_map = weightMap }));
        }
        var logits = model.Forward(tensor(Ids).unsqueeze(0)).detach();
        if (dtype != ScalarType.Float32)
        {
            // Compare against the same weights rounded to the stored precision.
            model.LoadCheckpoint(tensors.ToDictionary(kv => kv.Key, kv => kv.Value.to_type(ScalarType.Float32)), "rounded");
            logits = model.Forward(tensor(Ids).unsqueeze(0)).detach();
        }
        foreach (var t in tensors.Values) t.Dispose();
        return logits;
    }

    private Tensor LoadAndRun()
    {
        using var loaded = TransformerFactory.LoadHuggingFace(_dir);
        return loaded.Forward(tensor(Ids).unsqueeze(0));
    }

    [Theory]
    [InlineData("model.", false, false, 1)]
    [InlineData("", false, false, 1)]
    [InlineData("model.", true, false, 3)]
    [InlineData("model.", false, true, 2)]
    public void Llama_variants_round_trip(string prefix, bool bias, bool tied, int shards)
    {
        var expected = WriteRandom(LlamaConfig(bias: bias, tied: tied), prefix, shards: shards);
        TensorAssert.Close(expected, LoadAndRun(), 1e-5, "reloaded logits");
    }

    [Fact]
    public void Phi3_round_trips_through_its_fused_projections()
    {
        var config = LlamaConfig("phi3");
        using (var model = TransformerFactory.CreateRandom(HuggingFaceConfig.Parse(JsonSerializer.SerializeToElement(config)), 1))
        {
            var exported = model.WeightNames().Export();
            Assert.Equal([(4 + 2 * 2) * 8, 32], exported["layers.0.self_attn.qkv_proj.weight"].shape);   // q, k, v rows
            Assert.Equal([2 * 48, 32], exported["layers.0.mlp.gate_up_proj.weight"].shape);             // gate, up rows
            Assert.DoesNotContain("layers.0.self_attn.q_proj.weight", exported.Keys);
            foreach (var t in exported.Values) t.Dispose();
        }
        var expected = WriteRandom(config, "model.");
        TensorAssert.Close(expected, LoadAndRun(), 1e-5, "phi3 logits");
    }

    [Fact]
    public void A_fused_tensor_of_the_wrong_size_names_it_and_its_parts()
    {
        WriteRandom(LlamaConfig("phi3"), "model.", edit: t =>
        {
            t["model.layers.1.mlp.gate_up_proj.weight"] = t["model.layers.1.mlp.gate_up_proj.weight"].narrow(0, 0, 80);
            return t;
        });
        var error = Assert.Throws<InvalidDataException>(() => LoadAndRun());
        Assert.Contains("'layers.1.mlp.gate_up_proj.weight' has shape [80, 32]", error.Message);
        Assert.Contains("[96, 32] (rows 48 + 48)", error.Message);
    }

    [Fact]
    public void Qwen2_has_qkv_bias_but_no_output_bias()
    {
        var config = HuggingFaceConfig.Parse(JsonSerializer.SerializeToElement(LlamaConfig("qwen2")));
        Assert.True(config.AttentionBias);
        using var model = TransformerFactory.CreateRandom(config, 1);
        var names = model.WeightNames().Export().Keys.ToHashSet();
        Assert.Contains("layers.0.self_attn.q_proj.bias", names);
        Assert.DoesNotContain("layers.0.self_attn.o_proj.bias", names);
        var expected = WriteRandom(LlamaConfig("qwen2"), "model.");
        TensorAssert.Close(expected, LoadAndRun(), 1e-5, "qwen2 logits");
    }

    private static Dictionary<string, object> Gemma2Config(bool tied = true, bool bias = false) => new()
    {
        ["model_type"] = "gemma2", ["hidden_size"] = 32, ["intermediate_size"] = 48, ["num_hidden_layers"] = 2,
        ["num_attention_heads"] = 4, ["num_key_value_heads"] = 2, ["head_dim"] = 16, ["vocab_size"] = 64,
        ["max_position_embeddings"] = 64, ["sliding_window"] = 4, ["query_pre_attn_scalar"] = 24, ["attn_logit_softcapping"] = 5.0,
        ["final_logit_softcapping"] = 3.0, ["tie_word_embeddings"] = tied, ["attention_bias"] = bias,
    };

    [Theory]
    [InlineData("model.", true, false)]
    [InlineData("", false, true)]
    public void Gemma2_round_trips_with_its_four_norms_per_block(string prefix, bool tied, bool bias)
    {
        var config = Gemma2Config(tied, bias);
        using (var model = TransformerFactory.CreateRandom(HuggingFaceConfig.Parse(JsonSerializer.SerializeToElement(config)), 1))
        {
            var exported = model.WeightNames().Export();
            foreach (var norm in new[] { "input_layernorm", "post_attention_layernorm", "pre_feedforward_layernorm", "post_feedforward_layernorm" })
                Assert.Equal([32], exported[$"layers.1.{norm}.weight"].shape);
            Assert.Equal([4 * 16, 32], exported["layers.0.self_attn.q_proj.weight"].shape);   // heads x head_dim != hidden_size
            Assert.Equal([32, 4 * 16], exported["layers.0.self_attn.o_proj.weight"].shape);
            Assert.Equal(!tied, exported.ContainsKey("lm_head.weight"));
            Assert.Equal(bias, exported.ContainsKey("layers.0.self_attn.o_proj.bias"));
            foreach (var t in exported.Values) t.Dispose();
        }
        var expected = WriteRandom(config, prefix);
        TensorAssert.Close(expected, LoadAndRun(), 1e-5, "gemma2 logits");
    }

    [Fact]
    public void A_Gemma2_norm_of_the_wrong_size_or_a_Llama_layout_is_named()
    {
        WriteRandom(Gemma2Config(), "model.", edit: t => { t["model.layers.1.pre_feedforward_layernorm.weight"] = zeros(31); return t; });
        var shape = Assert.Throws<InvalidDataException>(LoadAndRun);
        Assert.Contains("'layers.1.pre_feedforward_layernorm.weight' has shape [31], the config implies [32]", shape.Message);

        // A Llama checkpoint under a gemma2 config lacks the extra norms.
        WriteRandom(Gemma2Config(), "model.", edit: t =>
            t.Where(kv => !kv.Key.Contains("feedforward")).ToDictionary(kv => kv.Key, kv => kv.Value));
        var missing = Assert.Throws<InvalidDataException>(LoadAndRun);
        Assert.Contains("missing tensors: layers.0.pre_feedforward_layernorm.weight", missing.Message);
    }

    [Theory]
    [InlineData("transformer.", true)]
    [InlineData("", false)]
    public void Gpt2_variants_round_trip_and_ignore_mask_buffers(string prefix, bool tied)
    {
        var expected = WriteRandom(Gpt2Config(tied), prefix, edit: t =>
        {
            t[prefix + "h.0.attn.bias"] = ones(1, 1, 32, 32).tril();
            t[prefix + "h.1.attn.masked_bias"] = tensor(-1e4f);
            return t;
        });
        TensorAssert.Close(expected, LoadAndRun(), 1e-5, "reloaded logits");
    }

    [Theory]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    public void Half_precision_checkpoints_load_as_float32(ScalarType dtype)
    {
        var expected = WriteRandom(LlamaConfig(), "model.", dtype: dtype);
        TensorAssert.Close(expected, LoadAndRun(), 1e-5, $"{dtype} logits");
    }

    [Fact]
    public void Missing_tensors_are_named()
    {
        WriteRandom(LlamaConfig(), "model.", edit: t => { t.Remove("model.layers.1.mlp.up_proj.weight"); return t; });
        var e = Assert.Throws<InvalidDataException>(LoadAndRun);
        Assert.Contains("layers.1.mlp.up_proj.weight", e.Message);
    }

    [Fact]
    public void Unexpected_tensors_are_named()
    {
        WriteRandom(LlamaConfig(), "model.", edit: t => { t["model.layers.7.self_attn.q_proj.weight"] = zeros(4); return t; });
        var e = Assert.Throws<InvalidDataException>(LoadAndRun);
        Assert.Contains("layers.7.self_attn.q_proj.weight", e.Message);
    }

    [Fact]
    public void Wrong_shapes_are_named()
    {
        WriteRandom(LlamaConfig(), "model.", edit: t => { t["model.norm.weight"] = ones(31); return t; });
        var e = Assert.Throws<InvalidDataException>(LoadAndRun);
        Assert.Contains("norm.weight", e.Message);
        Assert.Contains("[31]", e.Message);
    }

    [Fact]
    public void Unknown_model_type_is_named()
    {
        var e = Assert.Throws<NotSupportedException>(() =>
            HuggingFaceConfig.Parse(JsonSerializer.SerializeToElement(new { model_type = "mamba" })));
        Assert.Contains("mamba", e.Message);
        Assert.Contains("gpt2", e.Message);
    }

    [Fact]
    public void A_Llama_family_activation_other_than_silu_is_named()
    {
        var config = LlamaConfig("mistral");
        config["hidden_act"] = "gelu_pytorch_tanh";
        var e = Assert.Throws<NotSupportedException>(() => HuggingFaceConfig.Parse(JsonSerializer.SerializeToElement(config)));
        Assert.Contains("hidden_act 'gelu_pytorch_tanh'", e.Message);
        Assert.Contains("silu", e.Message);
    }

    [Fact]
    public void Missing_weights_file_is_a_clear_error()
    {
        File.WriteAllText(Path.Combine(_dir, "config.json"), JsonSerializer.Serialize(LlamaConfig()));
        var e = Assert.Throws<FileNotFoundException>(() => TransformerFactory.LoadHuggingFace(_dir));
        Assert.Contains("model.safetensors", e.Message);
    }

    [Fact]
    public void Safetensors_round_trip_keeps_dtypes_shapes_and_metadata()
    {
        var path = Path.Combine(_dir, "t.safetensors");
        using var a = arange(12, dtype: ScalarType.Float32).reshape(3, 4);
        using var b = tensor(new long[] { 5, -7 });
        Safetensors.Save(path, [("a", a), ("b", b)], new Dictionary<string, string> { ["model"] = "x" });
        var loaded = Safetensors.Load(path);
        TensorAssert.Close(a, loaded["a"], 0, "a");
        Assert.Equal(ScalarType.Int64, loaded["b"].dtype);
        Assert.Equal(new long[] { 5, -7 }, loaded["b"].data<long>().ToArray());
        Assert.Equal("x", Safetensors.ReadMetadata(path)["model"]);
    }

    [Fact]
    public void Truncated_safetensors_is_a_clear_error()
    {
        var path = Path.Combine(_dir, "t.safetensors");
        Safetensors.Save(path, [("a", ones(100))]);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^40]);
        Assert.Throws<InvalidDataException>(() => Safetensors.Load(path));
    }
}
