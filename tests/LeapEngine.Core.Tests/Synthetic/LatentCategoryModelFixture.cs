using LeapEngine.Core.Runtime;
using LeapEngine.Core.Store;
using LeapEngine.Core.Synthetic;
using LeapEngine.Core.Synthetic.Tasks;

namespace LeapEngine.Core.Tests.Synthetic;

/// <summary>
/// A CI-sized latent-categories model: a smaller network on short prompts, trained for a few seconds (the full
/// 300-step models are for docs/benchmarks.md), written in the Hugging Face layout and loaded back through the store.
/// </summary>
public sealed class LatentCategoryModelFixture : IDisposable
{
    public const int Seed = 1;
    private readonly TempDir _temp = new();

    public LatentCategoryModelFixture()
    {
        Task = new LatentCategoryTask(Seed);
        Options = new SyntheticTrainingOptions
        {
            Seed = Seed, Steps = 120, DModel = 32, Heads = 2, DMlp = 64, ContextLength = 64, MinLength = 4, MaxLength = 16,
            LearningRate = 1e-2,
        };
        var (network, log) = SyntheticTrainer.Train(Task, Options);
        Log = log;
        using (network) SyntheticModelFolder.WriteModel(Folder, network);
        using var store = new ModelStore(new ModelStoreOptions
        {
            ModelsDir = _temp.Sub("models"), CacheDir = _temp.Sub("cache"), EmbeddedDir = null, Offline = true,
        });
        Model = LanguageModel.LoadAsync(store, "latent-categories").GetAwaiter().GetResult();
    }

    public string Folder => _temp.Sub("models", "latent-categories");
    public LatentCategoryTask Task { get; }
    public SyntheticTrainingOptions Options { get; }
    public TrainingLog Log { get; }
    public LanguageModel Model { get; }

    public void Dispose()
    {
        Model.Dispose();
        _temp.Dispose();
    }
}
