using LeapEngine.Core.Models;
using LeapEngine.Core.Models.Common;
using LeapEngine.Core.Runtime;

namespace LeapEngine.Core.Tests.Models;

/// <summary>Greedy decoding from BOS reproduces llama2.c's run.c output for stories260K.</summary>
public class GoldenGenerationTests
{
    // From ../shared/models/README.md: BOS first, then 24 greedy tokens.
    private static readonly int[] Golden =
        [1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401, 396, 267, 337, 410, 408, 419, 292];

    public static TheoryData<string> Layouts => new() { "llama2c", "hf" };

    private static TransformerModel Load(string layout) => layout == "llama2c"
        ? TransformerFactory.LoadLlama2c(SharedFiles.Model("stories260K", "stories260K.bin"))
        : TransformerFactory.LoadHuggingFace(SharedFiles.Model("stories260K-hf"));

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Greedy_from_bos_matches_run_c(string layout)
    {
        using var model = Load(layout);
        var generated = TextGenerator.Generate(model, [1], new GenerationOptions { MaxNewTokens = Golden.Length - 1 }, eosId: 2);
        Assert.Equal(Golden[1..], generated);
    }

    [Fact]
    public void Batched_generation_with_left_padding_matches_single_sequences()
    {
        using var model = Load("hf");
        int[][] prompts = [[1], [1, 403, 407, 261], [1, 403]];
        var options = new GenerationOptions { MaxNewTokens = 12 };
        var batched = TextGenerator.GenerateBatch(model, prompts, options, eosId: 2);
        for (int i = 0; i < prompts.Length; i++)
            Assert.Equal(TextGenerator.Generate(model, prompts[i], options, eosId: 2), batched[i]);
        Assert.Equal(Golden[1..13], batched[0]);
    }

    [Fact]
    public void Sampling_is_deterministic_for_a_seed_and_varies_across_seeds()
    {
        using var model = Load("hf");
        var a = TextGenerator.Generate(model, [1], new GenerationOptions { MaxNewTokens = 20, Temperature = 1.0, Seed = 7 });
        var b = TextGenerator.Generate(model, [1], new GenerationOptions { MaxNewTokens = 20, Temperature = 1.0, Seed = 7 });
        var c = TextGenerator.Generate(model, [1], new GenerationOptions { MaxNewTokens = 20, Temperature = 1.0, Seed = 8 });
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }
}
