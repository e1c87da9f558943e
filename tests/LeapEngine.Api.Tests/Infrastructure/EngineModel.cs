using LeapEngine.Core.Runtime;
using LeapEngine.Core.Store;
using LeapEngine.Core.Tests;

namespace LeapEngine.Api.Tests.Infrastructure;

/// <summary>stories260K loaded in the test process, to check job results against the engine run directly.</summary>
public static class EngineModel
{
    private static readonly Lazy<LanguageModel> Model = new(() =>
    {
        var store = new ModelStore(new ModelStoreOptions { ModelsDir = SharedFiles.ModelsDir, Offline = true });
        return LanguageModel.LoadAsync(store, "stories260K").GetAwaiter().GetResult();
    });

    private static readonly object Gate = new();

    /// <summary>Runs <paramref name="use"/> with the model; one caller at a time (methods hook the network).</summary>
    public static T Use<T>(Func<LanguageModel, T> use)
    {
        lock (Gate) return use(Model.Value);
    }
}
