using LeapEngine.Core.Runtime;
using LeapEngine.Core.Tests.Models;
using LeapEngine.Core.Tests.Runtime;
using LeapEngine.Core.Tokenization;

namespace LeapEngine.Core.Tests.Attribution;

/// <summary>The two small models with their tokenizers: stories260K (Llama, BOS) and gpt2-tiny (GPT-2, no BOS, random weights).</summary>
public static class AttributionModels
{
    public static LanguageModel Load(string name) => name switch
    {
        "stories" => Stories(),
        "gpt2" => new LanguageModel("gpt2-tiny", TestModels.Gpt2Tiny(), Gpt2Tokenizer.FromTiktokenData()),
        _ => throw new ArgumentException(name),
    };

    public static LanguageModel Stories()
    {
        using var store = LanguageModelTests.Store();
        return LanguageModel.LoadAsync(store, "stories260K").GetAwaiter().GetResult();
    }

    public static TheoryData<string> Both => new() { "stories", "gpt2" };

    /// <summary>Largest absolute difference between two ragged arrays of equal shape.</summary>
    public static double MaxDiff(IReadOnlyList<float[]> a, IReadOnlyList<float[]> b)
    {
        Assert.Equal(a.Count, b.Count);
        double max = 0;
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i].Length, b[i].Length);
            for (int j = 0; j < a[i].Length; j++) max = Math.Max(max, Math.Abs(a[i][j] - b[i][j]));
        }
        return max;
    }
}
