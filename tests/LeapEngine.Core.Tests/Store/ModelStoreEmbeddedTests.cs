using System.Security.Cryptography;
using LeapEngine.Core.Runtime;
using LeapEngine.Core.Store;

namespace LeapEngine.Core.Tests.Store;

/// <summary>
/// The default model ships with the engine (EmbeddedModels, copied as models/ beside every program), so a fresh
/// clone, a publish folder and the Docker image serve it with no download and no LEAP_MODELS_DIR.
/// </summary>
public class ModelStoreEmbeddedTests
{
    private static ModelStoreOptions Embedded(TempDir temp, string? modelsDir = null) =>
        StoreTestOptions.For(temp, modelsDir: modelsDir) with { EmbeddedDir = ModelStoreOptions.DefaultEmbeddedDir };

    [Fact]
    public void The_default_model_ships_beside_the_program_as_the_pinned_checkpoint()
    {
        var checkpoint = Path.Combine(AppContext.BaseDirectory, "models", "stories260K", "stories260K.bin");
        Assert.True(File.Exists(checkpoint), $"the build did not copy the embedded model to {checkpoint}");
        Assert.Equal(BuiltInModels.Stories260K.Files[0].Sha256, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(checkpoint))));
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "models", "stories260K", "LICENSE")), "the licence travels with the weights");
    }

    [Fact]
    public async Task With_nothing_provisioned_and_offline_the_default_model_loads_from_the_embedded_copy()
    {
        using var temp = new TempDir();
        using var store = new ModelStore(Embedded(temp));

        var model = store.Resolve("stories260K");
        Assert.Equal(ModelLocation.Embedded, model.Location);
        Assert.Equal(Path.Combine(ModelStoreOptions.DefaultEmbeddedDir, "stories260K", "stories260K.bin"), model.CheckpointPath);
        using var lm = await LanguageModel.LoadAsync(store, "stories260K");
        Assert.StartsWith("Once upon a time", lm.Decode(lm.Generate("", new GenerationOptions { MaxNewTokens = 6 })).TrimStart());
        Assert.Equal(ModelLocation.Embedded, Assert.Single(store.List(), l => l.Id == "stories260K").Location);
    }

    [Fact]
    public void A_provisioned_model_wins_over_the_embedded_copy()
    {
        using var temp = new TempDir();
        using var store = new ModelStore(Embedded(temp, modelsDir: SharedFiles.ModelsDir));
        Assert.Equal(ModelLocation.ModelsDir, store.Resolve("stories260K").Location);
    }

    [Fact]
    public void A_model_that_is_not_embedded_is_still_missing_offline()
    {
        using var temp = new TempDir();
        using var store = new ModelStore(Embedded(temp));
        Assert.Throws<ModelNotAvailableException>(() => store.Resolve("gpt2"));
        Assert.Throws<ModelNotAvailableException>(() => store.Resolve("my-own-model"));
    }

    [Fact]
    public void Relative_folders_resolve_against_the_working_directory()
    {
        using var temp = new TempDir();
        var cwd = Environment.CurrentDirectory;
        using var store = new ModelStore(StoreTestOptions.For(temp) with { ModelsDir = "rel-models", CacheDir = "rel-cache", EmbeddedDir = "rel-embedded" });
        Assert.Equal(Path.Combine(cwd, "rel-models"), store.Options.ModelsDir);
        Assert.Equal(Path.Combine(cwd, "rel-cache"), store.Options.CacheDir);
        Assert.Equal(Path.Combine(cwd, "rel-embedded"), store.Options.EmbeddedDir);
    }
}
