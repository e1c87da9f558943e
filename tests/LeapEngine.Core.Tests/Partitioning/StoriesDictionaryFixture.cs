using LeapEngine.Core.Partitioning;
using LeapEngine.Core.Partitioning.Corpora;
using LeapEngine.Core.Runtime;
using LeapEngine.Core.Tests.ModelSharing;

namespace LeapEngine.Core.Tests.Partitioning;

/// <summary>
/// stories260K and one small dictionary built on generated stories, shared by the classes of
/// <see cref="StoriesDictionaryCollection"/> (they run one at a time). The model is their own: building and
/// intervening attach hooks, which the shared read-only instance must never carry.
/// </summary>
public sealed class StoriesDictionaryFixture : IDisposable
{
    public const int Texts = 120;

    public StoriesDictionaryFixture()
    {
        Model = OwnStoriesFixture.Load(nameof(StoriesDictionaryFixture));
        Options = new PartitionOptions { Hook = "blocks.2.hook_resid_post", Percentile = 2, SaturationBatches = 0, CorpusDescription = $"stories:{Texts}" };
        Progress = new List<ProgressUpdate>();
        Dictionary = ExemplarPartitioner.Build(Model, Options, StoryCorpus.Generate(Texts), new SyncProgress(Progress));
    }

    public LanguageModel Model { get; }
    public PartitionOptions Options { get; }
    public ExemplarDictionary Dictionary { get; }
    public List<ProgressUpdate> Progress { get; }

    public void Dispose()
    {
        Dictionary.Dispose();
        Model.Dispose();
    }

    /// <summary>IProgress that records synchronously (Progress&lt;T&gt; posts to the thread pool).</summary>
    public sealed class SyncProgress(List<ProgressUpdate> into) : IProgress<ProgressUpdate>
    {
        public void Report(ProgressUpdate value) => into.Add(value);
    }
}

/// <summary>The classes that read the one stories dictionary: built once, read one class at a time.</summary>
[CollectionDefinition(nameof(StoriesDictionaryCollection))]
public sealed class StoriesDictionaryCollection : ICollectionFixture<StoriesDictionaryFixture>;
