using System.Text.Json;
using LeapEngine.Core.Hooks;
using LeapEngine.Core.Models;
using LeapEngine.Core.Models.Loading;
using static TorchSharp.torch;

namespace LeapEngine.Core.Tests.Models;

/// <summary>
/// How a Gemma 2 config.json is read (as transformers' Gemma2Config reads it, defaults included), what is
/// refused by name, and the hook points its four norms add. Its logits, patterns and hooks against the
/// reference, and its padded/cached/packed paths, are checked in <see cref="SlidingWindowAndRopeScalingTests"/>
/// (fixture gemma2-window), its checkpoint layout in <see cref="CheckpointLoadingTests"/>.
/// </summary>
public class Gemma2ConfigTests
{
    private static ModelConfig Parse(string json) => HuggingFaceConfig.Parse(JsonDocument.Parse(json).RootElement);

    /// <summary>Only the keys transformers has no default for in our reader (the sizes).</summary>
    private const string Sizes = """
        "model_type":"gemma2","hidden_size":24,"intermediate_size":48,"num_hidden_layers":4,"num_attention_heads":8,"vocab_size":96
        """;

    private static ModelConfig With(string extra = "") => Parse("{" + Sizes + (extra.Length > 0 ? "," + extra : "") + "}");

    [Fact]
    public void The_fixture_config_reads_as_Gemma2_with_its_caps_scalar_and_alternating_windows()
    {
        var config = HuggingFaceConfig.Read(Path.Combine(AppContext.BaseDirectory, "Models", "References", "gemma2-window", "config.json"));
        Assert.Equal(Architecture.Gemma2, config.Architecture);
        Assert.Equal("gemma2", config.ModelType);
        Assert.Equal((24, 4, 2, 8, 48), (config.DModel, config.NHeads, config.NKvHeads, config.DHead, config.DMlp));
        // Even layers slide, odd ones attend to everything (Gemma2Config's default layer_types).
        Assert.Equal([4, null, 4], Enumerable.Range(0, 3).Select(config.WindowOf));
        Assert.Equal(12, config.QueryPreAttnScalar);
        Assert.Equal(4.0, config.AttnLogitSoftcapping);
        Assert.Equal(3.0, config.FinalLogitSoftcapping);
        Assert.True(config.TiedEmbeddings);
        Assert.Equal("gelu_pytorch_tanh", config.Activation);
        Assert.Equal((2, 1), (config.BosTokenId, config.EosTokenId));   // eos_token_id [1, 95]: the first
        Assert.True(config.TrainedWithBos);
    }

    [Fact]
    public void Absent_keys_take_Gemma2_configs_defaults()
    {
        var config = With();
        Assert.Equal(256, config.DHead);
        Assert.Equal(4, config.NKvHeads);
        Assert.Equal(256, config.QueryPreAttnScalar);
        Assert.Equal(50.0, config.AttnLogitSoftcapping);
        Assert.Equal(30.0, config.FinalLogitSoftcapping);
        Assert.Equal([4096, null, 4096, null], Enumerable.Range(0, 4).Select(config.WindowOf));
        Assert.Equal(8192, config.ContextLength);
        Assert.Equal(1e-6, config.NormEps);
        Assert.Equal(10000.0, config.RopeTheta);
        Assert.True(config.TiedEmbeddings);
        Assert.False(config.AttentionBias);
        Assert.Equal((2, 1), (config.BosTokenId, config.EosTokenId));
    }

    [Fact]
    public void Null_turns_a_feature_off_and_layer_types_choose_the_windowed_layers()
    {
        var off = With("""
            "attn_logit_softcapping":null,"final_logit_softcapping":null,"sliding_window":null,"head_dim":4,"num_key_value_heads":8
            """);
        Assert.Null(off.AttnLogitSoftcapping);
        Assert.Null(off.FinalLogitSoftcapping);
        Assert.Null(off.SlidingWindow);
        Assert.All(Enumerable.Range(0, 4), i => Assert.Null(off.WindowOf(i)));
        var typed = With("""
            "sliding_window":16,"layer_types":["full_attention","full_attention","sliding_attention","sliding_attention"]
            """);
        Assert.Equal([null, null, 16, 16], Enumerable.Range(0, 4).Select(typed.WindowOf));
        // Gemma2MLP reads hidden_activation; a hidden_act beside it (as real configs carry) changes nothing.
        Assert.Equal("gelu_pytorch_tanh", With("\"hidden_act\":\"gelu\"").Activation);
    }

    [Theory]
    [InlineData("\"hidden_activation\":\"gelu\"", "hidden_activation 'gelu'", "gelu_pytorch_tanh")]
    [InlineData("\"use_bidirectional_attention\":true", "use_bidirectional_attention", "causal")]
    [InlineData("\"layer_types\":[\"chunked_attention\",\"full_attention\",\"full_attention\",\"full_attention\"]", "layer type 'chunked_attention'", "full_attention")]
    [InlineData("\"rope_scaling\":{\"rope_type\":\"yarn\",\"factor\":2.0}", "'yarn'", "llama3")]
    public void WhatIsNotImplementedIsRefusedByName(string extra, string named, string hint)
    {
        var error = Assert.Throws<NotSupportedException>(() => With(extra));
        Assert.Contains(named, error.Message);
        Assert.Contains(hint, error.Message);
    }

    [Theory]
    [InlineData("gemma2")]
    [InlineData("llama")]
    public void Transformers5_rope_parameters_are_read_and_their_types_refused_as_rope_scaling_is(string modelType)
    {
        var json = $$"""
            {"model_type":"{{modelType}}","hidden_size":24,"intermediate_size":48,"num_hidden_layers":2,"num_attention_heads":4,
             "head_dim":8,"num_key_value_heads":2,"vocab_size":96,"rope_parameters":ROPE}
            """;
        var plain = Parse(json.Replace("ROPE", """{"rope_type":"default","rope_theta":500000.0}"""));
        Assert.Equal(500000.0, plain.RopeTheta);
        Assert.Null(plain.RopeScaling);
        var llama3 = Parse(json.Replace("ROPE", """
            {"rope_type":"llama3","rope_theta":10000.0,"factor":8.0,"low_freq_factor":1.0,"high_freq_factor":4.0,"original_max_position_embeddings":8}
            """));
        Assert.Equal(new RopeScaling(8, 1, 4, 8), llama3.RopeScaling);
        var error = Assert.Throws<NotSupportedException>(() => Parse(json.Replace("ROPE", """{"rope_type":"yarn","rope_theta":10000.0,"factor":4.0}""")));
        Assert.Contains("'yarn'", error.Message);
    }

    [Theory]
    [InlineData("\"attn_logit_softcapping\":0", "attn_logit_softcapping")]
    [InlineData("\"final_logit_softcapping\":-30", "final_logit_softcapping")]
    [InlineData("\"query_pre_attn_scalar\":0", "query_pre_attn_scalar")]
    [InlineData("\"sliding_window\":\"4096\"", "sliding_window must be a number or null")]
    [InlineData("\"sliding_window\":0", "sliding_window must be positive")]
    [InlineData("\"layer_types\":[\"full_attention\"]", "1 layer types for 4 layers")]
    [InlineData("\"head_dim\":7", "even head size")]
    public void BadValuesAreClearErrors(string extra, string named)
    {
        var error = Assert.Throws<InvalidDataException>(() => With(extra + (extra.Contains("head_dim") ? "" : ",\"head_dim\":4")));
        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void Input_embeddings_are_scaled_as_token_ids_are()
    {
        // transformers multiplies inputs_embeds by sqrt(hidden_size) too, so prompt optimisation, which feeds rows of
        // W_E, must see the logits of the tokens themselves; hook_embed holds the scaled rows.
        using var model = TransformerFactory.LoadHuggingFace(Path.Combine(AppContext.BaseDirectory, "Models", "References", "gemma2-window"));
        using var noGrad = no_grad();
        var ids = tensor(new long[] { 2, 40, 7, 9, 61, 33 }).unsqueeze(0);
        var (fromIds, cache) = model.RunWithCache(ids, ["hook_embed"]);
        using (fromIds)
        using (cache)
        {
            var rows = model.TokenEmbeddings.index_select(0, ids[0]).unsqueeze(0);
            using var fromRows = model.ForwardEmbeddings(rows);
            TensorAssert.Close(fromIds, fromRows, 1e-6, "logits from ids and from their embedding rows");
            TensorAssert.Close(rows.mul(tensor(Math.Sqrt(24))), cache["hook_embed"], 1e-5, "hook_embed = W_E[ids] * sqrt(24)");
        }
    }

    [Fact]
    public void Its_blocks_have_four_norms_with_TransformerLens_names()
    {
        using var model = TransformerFactory.CreateRandom(With("\"head_dim\":4,\"num_key_value_heads\":2"), seed: 1);
        foreach (var norm in new[] { "ln1", "ln1_post", "ln2", "ln2_post" })
            Assert.Contains($"blocks.3.{norm}.hook_normalized", model.HookPoints.Keys);
        Assert.Contains("blocks.0.attn.hook_rot_q", model.HookPoints.Keys);
        Assert.Contains("ln_final.hook_normalized", model.HookPoints.Keys);
        // The residual stream adds exactly the post-normed outputs that hook_attn_out and hook_mlp_out see.
        var names = new[] { "blocks.1.hook_resid_pre", "blocks.1.hook_attn_out", "blocks.1.hook_resid_mid", "blocks.1.hook_mlp_out", "blocks.1.hook_resid_post", "blocks.1.ln1_post.hook_normalized" };
        var (logits, cache) = model.RunWithCache(tensor(new long[] { 2, 40, 7, 9 }).unsqueeze(0), names);
        using (logits)
        using (cache)
        {
            TensorAssert.Close(cache["blocks.1.hook_resid_pre"] + cache["blocks.1.hook_attn_out"], cache["blocks.1.hook_resid_mid"], 1e-6, "resid_mid");
            TensorAssert.Close(cache["blocks.1.hook_resid_mid"] + cache["blocks.1.hook_mlp_out"], cache["blocks.1.hook_resid_post"], 1e-6, "resid_post");
            TensorAssert.Close(cache["blocks.1.ln1_post.hook_normalized"], cache["blocks.1.hook_attn_out"], 0, "attn_out is ln1_post's output");
        }
    }
}
