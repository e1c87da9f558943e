using LeapEngine.Core.Models.Common;
using LeapEngine.Core.Runtime;
using static TorchSharp.torch;

namespace LeapEngine.Core.Tests.Models;

/// <summary>Bad input is a managed exception with a message, never a native crash.</summary>
public class InputValidationTests
{
    [Fact]
    public void Out_of_vocabulary_ids_are_rejected()
    {
        var model = TestModels.Shared("stories");
        var e = Assert.Throws<ArgumentException>(() => model.Forward(tensor(new long[] { 1, 512 }).unsqueeze(0)));
        Assert.Contains("[0, 512)", e.Message);
        Assert.Throws<ArgumentException>(() => model.Forward(tensor(new long[] { -1 }).unsqueeze(0)));
    }

    [Fact]
    public void Sequences_longer_than_the_context_are_rejected()
    {
        var model = TestModels.Shared("gpt2");
        var e = Assert.Throws<ArgumentException>(() => model.Forward(zeros(1, 129, dtype: ScalarType.Int64)));
        Assert.Contains("context length of 128", e.Message);
    }

    [Fact]
    public void Explicit_positions_bound_the_context_instead_of_the_key_count()
    {
        var model = TestModels.Shared("gpt2");
        using var noGrad = no_grad();
        using var cache = new KvCache(model.Config.NLayers);
        model.Forward(zeros(1, 100, dtype: ScalarType.Int64), new ForwardOptions { Cache = cache }).Dispose();
        // 100 cached keys + 50 new tokens exceed 128, but the new tokens sit at positions 10..59.
        using var expanded = cache.ExpandBatch(1, ones(1, 100).narrow(1, 0, 100) * arange(100).lt(10));
        using var ok = model.Forward(zeros(1, 50, dtype: ScalarType.Int64),
            new ForwardOptions { Cache = expanded, Positions = arange(10, 60, dtype: ScalarType.Int64).unsqueeze(0) });
        Assert.Equal(50, ok.shape[1]);
        var e = Assert.Throws<ArgumentException>(() => model.Forward(zeros(1, 2, dtype: ScalarType.Int64),
            new ForwardOptions { Positions = tensor(new long[] { 127, 128 }).unsqueeze(0) }));
        Assert.Contains("context length", e.Message);
    }

    [Fact]
    public void Wrong_shapes_are_rejected()
    {
        var model = TestModels.Shared("stories");
        Assert.Throws<ArgumentException>(() => model.Forward(zeros(3, dtype: ScalarType.Int64)));
        Assert.Throws<ArgumentException>(() => model.Forward(zeros(1, 0, dtype: ScalarType.Int64)));
        Assert.Throws<ArgumentException>(() => model.Forward(zeros(1, 3, dtype: ScalarType.Float32)));
        Assert.Throws<ArgumentException>(() => model.ForwardEmbeddings(zeros(1, 3, 65)));
        Assert.Throws<ArgumentException>(() => model.Forward(zeros(2, 3, dtype: ScalarType.Int64),
            new ForwardOptions { AttentionMask = ones(2, 4, dtype: ScalarType.Int64) }));
        Assert.Throws<ArgumentException>(() => model.Forward(zeros(2, 3, dtype: ScalarType.Int64), new ForwardOptions { LogitsFrom = 3 }));
    }

    [Fact]
    public void Generation_rejects_bad_options()
    {
        var model = TestModels.Shared("stories");
        Assert.Throws<ArgumentException>(() => TextGenerator.Generate(model, [], new GenerationOptions()));
        Assert.Throws<ArgumentException>(() => TextGenerator.Generate(model, [1], new GenerationOptions { Temperature = -1 }));
        Assert.Throws<ArgumentException>(() => TextGenerator.Generate(model, [1], new GenerationOptions { TopP = 0 }));
        Assert.Empty(TextGenerator.Generate(model, [1], new GenerationOptions { MaxNewTokens = 0 }));
    }
}
