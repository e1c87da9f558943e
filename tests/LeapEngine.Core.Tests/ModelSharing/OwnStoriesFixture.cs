using System.Runtime.CompilerServices;
using LeapEngine.Core.Runtime;
using LeapEngine.Core.Tests.Runtime;

namespace LeapEngine.Core.Tests.ModelSharing;

/// <summary>
/// A stories260K that one test class owns (its tests run one at a time): for classes that attach
/// hooks to the network, which the shared read-only instance (<see cref="SharedModels"/>) must never carry.
/// </summary>
public sealed class OwnStoriesFixture : IDisposable
{
    public LanguageModel Model { get; } = Load(nameof(OwnStoriesFixture));

    /// <summary>Loads an own stories260K through the product's store, as the built-in id loads it.</summary>
    public static LanguageModel Load([CallerMemberName] string caller = "") =>
        ModelLoads.Record("stories260K", caller, () =>
        {
            using var store = LanguageModelTests.Store();
            return LanguageModel.LoadAsync(store, "stories260K").GetAwaiter().GetResult();
        });

    public void Dispose() => Model.Dispose();
}
