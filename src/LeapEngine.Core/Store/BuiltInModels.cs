namespace LeapEngine.Core.Store;

/// <summary>
/// Models known by a short id. Their file lists are fixed here (rather than discovered from the
/// hub) so that they can be found offline in the models dir and verified by a pinned sha256.
/// </summary>
public static class BuiltInModels
{
    /// <summary>Karpathy's 260K-parameter TinyStories Llama, the engine's smallest real model.</summary>
    public static readonly BuiltInModel Stories260K = new(
        "stories260K",
        "karpathy/tinyllamas",
        ModelLayout.Llama2c,
        [
            new ModelFile("stories260K/stories260K.bin", "b0a507e7ad0f626624f17112325e66691f9076d622e1d3274d103d00299f2696"),
            new ModelFile("stories260K/tok512.model"),
        ],
        Checkpoint: "stories260K/stories260K.bin",
        Tokenizer: "stories260K/tok512.model");

    /// <summary>GPT-2 small (124M) in Hugging Face layout with its byte-level BPE files.</summary>
    public static readonly BuiltInModel Gpt2 = new(
        "gpt2",
        "openai-community/gpt2",
        ModelLayout.HuggingFace,
        [
            new ModelFile("config.json"),
            new ModelFile("vocab.json"),
            new ModelFile("merges.txt"),
            new ModelFile("tokenizer.json", Optional: true),
            // Weights last: a cache folder that has them has had every other file attempted.
            new ModelFile("model.safetensors"),
        ]);

    /// <summary>Every built-in model.</summary>
    public static IReadOnlyList<BuiltInModel> All { get; } = [Stories260K, Gpt2];

    /// <summary>The built-in model with this id (case-insensitive), or null.</summary>
    public static BuiltInModel? Find(string id) =>
        All.FirstOrDefault(m => string.Equals(m.Id, id, StringComparison.OrdinalIgnoreCase));

    /// <summary>The built-in model downloaded from this hub repository, or null.</summary>
    internal static BuiltInModel? FindByRepo(string repo) =>
        All.FirstOrDefault(m => string.Equals(m.Repo, repo, StringComparison.OrdinalIgnoreCase));
}
