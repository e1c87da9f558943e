using System.Text.Json;
using LeapEngine.Core.Models;
using LeapEngine.Core.Models.Loading;

namespace LeapEngine.Core.Tests.Models;

/// <summary>
/// How a Phi-3 config.json is read (as transformers' Phi3Config reads it), and the Phi-3 variants refused by name.
/// Its logits, pattern and padded/cached/packed paths are checked in <see cref="SlidingWindowAndRopeScalingTests"/>
/// (fixture phi3-window), its fused checkpoint layout in <see cref="CheckpointLoadingTests"/>.
/// </summary>
public class Phi3ConfigTests
{
    private static ModelConfig Parse(string json) => HuggingFaceConfig.Parse(JsonDocument.Parse(json).RootElement);

    private const string Mini = """
        "model_type":"phi3","hidden_size":16,"intermediate_size":32,"num_hidden_layers":2,"num_attention_heads":4,
        "num_key_value_heads":4,"vocab_size":96,"rms_norm_eps":1e-5,"hidden_act":"silu"
        """;

    [Fact]
    public void Phi3_is_a_Llama_with_fused_projections_and_an_optional_window()
    {
        var fixture = HuggingFaceConfig.Read(Path.Combine(AppContext.BaseDirectory, "Models", "References", "phi3-window", "config.json"));
        Assert.Equal(Architecture.Llama, fixture.Architecture);
        Assert.True(fixture.FusedProjections);
        Assert.Equal([5, 5], Enumerable.Range(0, 2).Select(fixture.WindowOf));
        Assert.Null(fixture.RopeScaling);
        // Phi3Config has no default window (unlike Mistral's 4096); Phi-3-mini's config gives 2047.
        Assert.Null(Parse($"{{{Mini}}}").SlidingWindow);
        Assert.Equal(2047, Parse($"{{{Mini},\"sliding_window\":2047}}").SlidingWindow);
        // Its projections have no bias whatever the config says, as in transformers.
        var biased = Parse($"{{{Mini},\"attention_bias\":true,\"mlp_bias\":true}}");
        Assert.False(biased.AttentionBias);
        Assert.False(biased.MlpBias);
        Assert.False(Parse("""{"model_type":"llama","hidden_size":16,"intermediate_size":32,"num_hidden_layers":2,"num_attention_heads":4,"vocab_size":96}""").FusedProjections);
    }

    [Theory]
    [InlineData("longrope")]
    [InlineData("su")]
    public void Long_context_Phi3_is_refused_by_name(string type)
    {
        var error = Assert.Throws<NotSupportedException>(() => Parse(
            "{" + Mini + $$$""","rope_scaling":{"type":"{{{type}}}","short_factor":[1.0],"long_factor":[2.0]}}"""));
        Assert.Contains($"'{type}'", error.Message);
        Assert.Contains("4k", error.Message);
    }

    [Fact]
    public void Partial_rotary_is_refused_by_name()
    {
        var error = Assert.Throws<NotSupportedException>(() => Parse($"{{{Mini},\"partial_rotary_factor\":0.75}}"));
        Assert.Contains("partial_rotary_factor 0.75", error.Message);
        Assert.Equal(16, Parse($"{{{Mini},\"partial_rotary_factor\":1.0}}").DModel);
    }
}
