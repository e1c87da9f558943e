using LeapEngine.Core.Runtime;
using LeapEngine.Core.Tests.ModelSharing;

namespace LeapEngine.Core.Tests.Attribution;

/// <summary>
/// The two small models with their tokenizers: stories260K (Llama, BOS) and gpt2-tiny (GPT-2, no BOS, random weights),
/// the assembly's shared read-only instances (<see cref="SharedModels"/>): attribution runs forward passes only.
/// </summary>
public static class AttributionModels
{
    public static LanguageModel Load(string name) => SharedModels.Get(name);

    public static LanguageModel Stories() => SharedModels.Stories;

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
