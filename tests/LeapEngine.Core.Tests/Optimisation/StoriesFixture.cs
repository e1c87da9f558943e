using LeapEngine.Core.Runtime;
using LeapEngine.Core.Tests.Runtime;

namespace LeapEngine.Core.Tests.Optimisation;

/// <summary>stories260K with its tokenizer, loaded once per test class.</summary>
public sealed class StoriesFixture : IDisposable
{
    public StoriesFixture()
    {
        using var store = LanguageModelTests.Store();
        Model = LanguageModel.LoadAsync(store, "stories260K").GetAwaiter().GetResult();
    }

    public LanguageModel Model { get; }

    public void Dispose() => Model.Dispose();
}
