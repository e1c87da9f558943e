using LeapEngine.Core.Runtime;
using LeapEngine.Core.Synthetic;
using LeapEngine.Core.Tokenization;

namespace LeapEngine.Core.Tests.Synthetic;

/// <summary>A synthetic task's model trained for a few steps at a tiny size, with the synthetic tokenizer: for CI checks of benchmark logic, not accuracy.</summary>
internal static class TinyModels
{
    public static SyntheticTrainingOptions Options(int steps) => new()
    {
        Seed = 3, Steps = steps, BatchSize = 8, DModel = 32, Layers = 1, Heads = 2, DMlp = 64, ContextLength = 64,
        MaxLength = 16, LearningRate = 1e-2,
    };

    public static LanguageModel Train(SyntheticTask task, int steps) => Train(task, Options(steps));

    public static LanguageModel Train(SyntheticTask task, SyntheticTrainingOptions options)
    {
        var (network, _) = SyntheticTrainer.Train(task, options);
        using var temp = new TempDir();
        SyntheticVocabulary.Instance.WriteTokenizer(temp.Path);
        return new LanguageModel($"tiny-{task.Name}", network, TokenizerLoader.FromDirectory(temp.Path, "llama"));
    }
}
