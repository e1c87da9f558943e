using LeapEngine.Core.Models.Common;
using LeapEngine.Core.Tests.Models;

namespace LeapEngine.Core.Tests.ModelSharing;

/// <summary>
/// The networks one test class owns, loaded on first use: for classes whose tests attach hooks or read the
/// network's counters. A class's tests run one at a time, so they can share these; other classes never see them.
/// Each test must leave the network as it found it (hooks removed), as RunWithHooks and Attach do.
/// </summary>
public sealed class OwnModelsFixture : IDisposable
{
    private readonly Lazy<TransformerModel> _stories = new(() => TestModels.Stories(nameof(OwnModelsFixture)));
    private readonly Lazy<TransformerModel> _gpt2 = new(() => TestModels.Gpt2Tiny(nameof(OwnModelsFixture)));

    /// <summary>This class's network by the short name the theories use ("stories" or "gpt2").</summary>
    public TransformerModel Get(string name) => name switch
    {
        "stories" => _stories.Value,
        "gpt2" => _gpt2.Value,
        _ => throw new ArgumentException($"no model '{name}': use \"stories\" or \"gpt2\"", nameof(name)),
    };

    public void Dispose()
    {
        if (_stories.IsValueCreated) _stories.Value.Dispose();
        if (_gpt2.IsValueCreated) _gpt2.Value.Dispose();
    }
}
