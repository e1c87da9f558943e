using LeapEngine.Core.Runtime;
using LeapEngine.Core.Store;

namespace LeapEngine.Core.Tests.Runtime;

/// <summary>End to end through the product's own store, pointed at the shared models folder.</summary>
public class LanguageModelTests
{
    public static ModelStore Store() => new(new ModelStoreOptions
    {
        ModelsDir = SharedFiles.ModelsDir,
        CacheDir = Path.Combine(Path.GetTempPath(), "leap-test-cache-unused"),
        Offline = true,
    });

    [Theory]
    [InlineData("stories260K")]
    [InlineData("stories260K-hf")]
    public async Task Built_in_and_folder_ids_load_and_generate_the_golden_story(string id)
    {
        using var store = Store();
        using var model = await LanguageModel.LoadAsync(store, id);
        Assert.True(model.AddsBosByDefault);
        var ids = model.Generate("", new GenerationOptions { MaxNewTokens = 24 });
        Assert.Equal(" Once upon a time, there was a little girl named Lily. She loved to play outsid",
            " " + model.Decode(ids));
    }

    [Fact]
    public async Task Prompt_tokens_match_the_golden_ids()
    {
        using var store = Store();
        using var model = await LanguageModel.LoadAsync(store, "stories260K");
        var encoded = model.Encode("Once upon a time, there was a little girl named Lily.");
        Assert.Equal([1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426], encoded.Ids.Take(16));
        Assert.Equal(new[] { 1 }, model.PromptIds(""));
    }
}

public class ContinuationEncodingTests
{
    [Fact]
    public async Task A_continuation_carries_no_dummy_prefix_space()
    {
        using var store = LanguageModelTests.Store();
        using var model = await LanguageModel.LoadAsync(store, "stories260K");
        // " ball" after a prompt is one "▁ball" piece, as the model itself generates it, not "▁" + "▁ball".
        var prompt = model.Encode("Lily had a red").Ids;
        var whole = model.Encode("Lily had a red ball").Ids;
        Assert.Equal(whole.Skip(prompt.Count), model.ContinuationIds(" ball"));
        Assert.Empty(model.ContinuationIds(""));
        Assert.Equal(" ball", model.DecodeContinuation(prompt.ToArray(), model.ContinuationIds(" ball")));
    }
}
