namespace LeapEngine.Core.Store;

/// <summary>A model known by a short id, with the hub repository and exact files it comes from.</summary>
/// <param name="Id">Short id, e.g. "stories260K".</param>
/// <param name="Repo">Hub repository ("owner/name").</param>
/// <param name="Layout">How its files are arranged.</param>
/// <param name="Files">Every file to fetch, required ones and optional ones.</param>
/// <param name="Checkpoint">For llama2.c: which file is the checkpoint.</param>
/// <param name="Tokenizer">For llama2.c: which file is the tokenizer.</param>
public sealed record BuiltInModel(
    string Id,
    string Repo,
    ModelLayout Layout,
    IReadOnlyList<ModelFile> Files,
    string? Checkpoint = null,
    string? Tokenizer = null)
{
    /// <summary>The files that must be present for the model to be usable.</summary>
    public IEnumerable<ModelFile> RequiredFiles => Files.Where(f => !f.Optional);
}
