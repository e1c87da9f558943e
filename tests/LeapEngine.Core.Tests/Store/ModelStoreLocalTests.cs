using LeapEngine.Core.Store;

namespace LeapEngine.Core.Tests.Store;

/// <summary>Resolution without a network: paths, the models dir and the offline error.</summary>
public class ModelStoreLocalTests
{
    [Fact]
    public void Built_in_stories260K_resolves_from_the_models_dir()
    {
        using var temp = new TempDir();
        using var store = new ModelStore(StoreTestOptions.For(temp, modelsDir: SharedFiles.ModelsDir));

        var model = store.Resolve("stories260K");

        Assert.Equal("stories260K", model.Id);
        Assert.Equal(ModelLayout.Llama2c, model.Layout);
        Assert.Equal(ModelLocation.ModelsDir, model.Location);
        Assert.Equal(SharedFiles.Model("stories260K", "stories260K.bin"), model.CheckpointPath);
        Assert.Equal(SharedFiles.Model("stories260K", "tok512.model"), model.TokenizerPath);
        Assert.Equal(SharedFiles.Model("stories260K"), model.Directory);
    }

    [Fact]
    public void Hugging_face_folder_in_the_models_dir_resolves_by_name()
    {
        using var temp = new TempDir();
        using var store = new ModelStore(StoreTestOptions.For(temp, modelsDir: SharedFiles.ModelsDir));

        var model = store.Resolve("stories260K-hf");

        Assert.Equal(ModelLayout.HuggingFace, model.Layout);
        Assert.Equal(ModelLocation.ModelsDir, model.Location);
        Assert.Equal(SharedFiles.Model("stories260K-hf"), model.Directory);
        Assert.True(File.Exists(Path.Combine(model.Directory, "model.safetensors")));
        Assert.Null(model.CheckpointPath);
    }

    [Fact]
    public void Owner_name_folder_in_the_models_dir_resolves()
    {
        using var temp = new TempDir();
        temp.Write("models/acme/tiny/config.json", "{}"u8.ToArray());
        temp.Write("models/acme/tiny/model.safetensors", [1, 2, 3]);
        using var store = new ModelStore(StoreTestOptions.For(temp));

        var model = store.Resolve("acme/tiny");

        Assert.Equal(temp.Sub("models", "acme", "tiny"), model.Directory);
        Assert.Equal(ModelLayout.HuggingFace, model.Layout);
    }

    [Fact]
    public void Folder_paths_resolve_in_either_layout()
    {
        using var temp = new TempDir();
        using var store = new ModelStore(StoreTestOptions.For(temp));

        var llama = store.Resolve(SharedFiles.Model("stories260K"));
        Assert.Equal(ModelLayout.Llama2c, llama.Layout);
        Assert.Equal(ModelLocation.Path, llama.Location);
        // tok512.bin lies beside the checkpoint and must not be taken for it.
        Assert.Equal(SharedFiles.Model("stories260K", "stories260K.bin"), llama.CheckpointPath);
        Assert.Equal(SharedFiles.Model("stories260K", "tok512.model"), llama.TokenizerPath);

        var hf = store.Resolve(SharedFiles.Model("stories260K-hf") + "/");
        Assert.Equal(ModelLayout.HuggingFace, hf.Layout);
        Assert.Equal(SharedFiles.Model("stories260K-hf"), hf.Directory);
        Assert.Equal("stories260K-hf", hf.Id);
    }

    [Fact]
    public void Bin_path_resolves_with_the_sibling_tokenizer()
    {
        using var temp = new TempDir();
        using var store = new ModelStore(StoreTestOptions.For(temp));

        var model = store.Resolve(SharedFiles.Model("stories260K", "stories260K.bin"));

        Assert.Equal(ModelLayout.Llama2c, model.Layout);
        Assert.Equal("stories260K", model.Id);
        Assert.Equal(SharedFiles.Model("stories260K", "tok512.model"), model.TokenizerPath);
    }

    [Fact]
    public void Bin_path_without_a_tokenizer_is_a_clear_error()
    {
        using var temp = new TempDir();
        var bin = temp.Write("lonely/model.bin", [0, 0, 0, 0]);
        using var store = new ModelStore(StoreTestOptions.For(temp));

        var e = Assert.Throws<ModelNotAvailableException>(() => store.Resolve(bin));
        Assert.Contains("tokenizer", e.Message);
        Assert.Contains(temp.Sub("lonely"), e.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("..")]
    [InlineData("a/../b")]
    [InlineData("owner/")]
    [InlineData("/owner/name/extra")]
    [InlineData("a/b/c")]
    [InlineData("has space")]
    [InlineData("semi;colon")]
    [InlineData("ünicode")]
    [InlineData("./missing-folder")]
    [InlineData("missing/checkpoint.bin")]
    public void Invalid_ids_are_rejected_with_a_clear_message(string id)
    {
        using var temp = new TempDir();
        using var store = new ModelStore(StoreTestOptions.For(temp));

        var e = Assert.ThrowsAny<ArgumentException>(() => store.Resolve(id));
        Assert.False(string.IsNullOrWhiteSpace(e.Message));
        Assert.Contains(id.Trim().Length == 0 ? "model id is required" : id, e.Message);
    }

    [Fact]
    public void Offline_missing_built_in_names_files_and_folder()
    {
        using var temp = new TempDir();
        using var store = new ModelStore(StoreTestOptions.For(temp));

        var e = Assert.Throws<ModelNotAvailableException>(() => store.Resolve("stories260K"));

        Assert.Contains("stories260K/stories260K.bin", e.Message);
        Assert.Contains("stories260K/tok512.model", e.Message);
        Assert.Contains(temp.Sub("models"), e.Message);
        Assert.Contains("LEAP_MODELS_DIR", e.Message);
        Assert.Contains("/karpathy/tinyllamas", e.Message);
        Assert.Equal(["stories260K/stories260K.bin", "stories260K/tok512.model"], e.MissingFiles);
        Assert.Contains(temp.Sub("models"), e.Folders);
    }

    [Fact]
    public void Offline_missing_hub_repo_names_its_folder()
    {
        using var temp = new TempDir();
        using var store = new ModelStore(StoreTestOptions.For(temp));

        var e = Assert.Throws<ModelNotAvailableException>(() => store.Resolve("acme/tiny"));

        Assert.Contains("config.json", e.Message);
        Assert.Contains("model.safetensors", e.Message);
        Assert.Contains(temp.Sub("models", "acme", "tiny"), e.Message);
    }

    [Fact]
    public void Unknown_bare_name_is_not_looked_up_on_the_hub()
    {
        using var temp = new TempDir();
        using var store = new ModelStore(StoreTestOptions.For(temp) with { Offline = false });

        var e = Assert.Throws<ModelNotAvailableException>(() => store.Resolve("no-such-model"));
        Assert.Contains("owner/name", e.Message);
        Assert.Contains(temp.Sub("models", "no-such-model"), e.Message);
    }

    [Fact]
    public void Incomplete_model_folder_path_names_the_missing_weights()
    {
        using var temp = new TempDir();
        temp.Write("half/config.json", "{}"u8.ToArray());
        using var store = new ModelStore(StoreTestOptions.For(temp));

        var e = Assert.Throws<ModelNotAvailableException>(() => store.Resolve(temp.Sub("half")));
        Assert.Contains("model.safetensors", e.Message);
    }

    [Fact]
    public void List_reports_built_ins_and_local_folders()
    {
        using var temp = new TempDir();
        using var store = new ModelStore(StoreTestOptions.For(temp, modelsDir: SharedFiles.ModelsDir));

        var list = store.List();

        var stories = Assert.Single(list, l => l.Id == "stories260K");
        Assert.Equal(ModelLocation.ModelsDir, stories.Location);
        Assert.True(stories.IsComplete);
        Assert.Equal(ModelLayout.Llama2c, stories.Layout);

        var gpt2 = Assert.Single(list, l => l.Id == "gpt2");
        Assert.Equal(ModelLocation.Hub, gpt2.Location);
        Assert.False(gpt2.IsComplete);
        Assert.Contains("model.safetensors", gpt2.MissingFiles);
        Assert.Equal(temp.Sub("cache", "openai-community", "gpt2", "main"), gpt2.Path);

        var hf = Assert.Single(list, l => l.Id == "stories260K-hf");
        Assert.Equal(ModelLocation.ModelsDir, hf.Location);
        Assert.True(hf.IsComplete);
        Assert.Equal(ModelLayout.HuggingFace, hf.Layout);
        Assert.Equal(SharedFiles.Model("stories260K-hf"), hf.Path);
    }

    [Fact]
    public void List_reports_cache_entries_and_incomplete_folders()
    {
        using var temp = new TempDir();
        temp.Write("cache/acme/done/main/config.json", "{}"u8.ToArray());
        temp.Write("cache/acme/done/main/model.safetensors", [1]);
        temp.Write("cache/acme/half/main/config.json", "{}"u8.ToArray());
        temp.Write("models/acme/local/config.json", "{}"u8.ToArray());
        using var store = new ModelStore(StoreTestOptions.For(temp));

        var list = store.List();

        var done = Assert.Single(list, l => l.Id == "acme/done");
        Assert.Equal(ModelLocation.Cache, done.Location);
        Assert.True(done.IsComplete);
        var half = Assert.Single(list, l => l.Id == "acme/half");
        Assert.False(half.IsComplete);
        Assert.Equal(["model.safetensors"], half.MissingFiles);
        var local = Assert.Single(list, l => l.Id == "acme/local");
        Assert.Equal(ModelLocation.ModelsDir, local.Location);
        Assert.False(local.IsComplete);
    }
}
