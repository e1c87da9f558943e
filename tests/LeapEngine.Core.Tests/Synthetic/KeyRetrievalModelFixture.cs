using LeapEngine.Core.Runtime;
using LeapEngine.Core.Store;
using LeapEngine.Core.Synthetic;
using LeapEngine.Core.Synthetic.Tasks;

namespace LeapEngine.Core.Tests.Synthetic;

/// <summary>
/// One key-retrieval model trained here (the CI short version of the synthetic benchmark), written in the
/// Hugging Face layout and loaded back through the model store, shared by the tests that read it.
/// </summary>
public sealed class KeyRetrievalModelFixture : IDisposable
{
    public const int Seed = 1;
    private readonly TempDir _temp = new();

    public KeyRetrievalModelFixture()
    {
        Task = new KeyRetrievalTask(Seed);
        Options = new SyntheticTrainingOptions { Seed = Seed };
        var (network, log) = SyntheticTrainer.Train(Task, Options);
        Log = log;
        using (network)
        {
            // Held-out prompts come from another seed than the training draws.
            TrainedReport = SyntheticEvaluator.Evaluate(network, Task, seed: 1000 + Seed, lengths: [8, 64], perLength: 50);
            SyntheticModelFolder.WriteModel(Folder, network);
        }
        using var store = new ModelStore(new ModelStoreOptions
        {
            ModelsDir = _temp.Sub("models"), CacheDir = _temp.Sub("cache"), EmbeddedDir = null, Offline = true,
        });
        Model = LanguageModel.LoadAsync(store, "key-retrieval").GetAwaiter().GetResult();
    }

    public string Folder => _temp.Sub("models", "key-retrieval");
    public KeyRetrievalTask Task { get; }
    public SyntheticTrainingOptions Options { get; }
    public TrainingLog Log { get; }
    public EvaluationReport TrainedReport { get; }
    public LanguageModel Model { get; }

    public void Dispose()
    {
        Model.Dispose();
        _temp.Dispose();
    }
}
