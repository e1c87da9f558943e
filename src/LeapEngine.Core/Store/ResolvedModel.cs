namespace LeapEngine.Core.Store;

/// <summary>
/// A model whose files are all on disk. Loaders need only this: the folder and its layout,
/// plus, for llama2.c, which .bin is the checkpoint and which .model the tokenizer (a folder
/// may hold several .bin files, e.g. tok512.bin beside the checkpoint).
/// </summary>
/// <param name="Id">The id the caller asked for (or the folder/file name for a path).</param>
/// <param name="Directory">Folder holding the files. For <see cref="ModelLayout.HuggingFace"/> it holds
/// config.json, model.safetensors or model.safetensors.index.json with its shards, and the tokenizer files.</param>
/// <param name="Layout">How the files are arranged.</param>
/// <param name="Location">Where they were found.</param>
/// <param name="CheckpointPath">The llama2.c checkpoint (.bin); null for Hugging Face layout.</param>
/// <param name="TokenizerPath">The llama2.c SentencePiece tokenizer (.model); null for Hugging Face layout,
/// whose tokenizer files are read from <paramref name="Directory"/>.</param>
public sealed record ResolvedModel(
    string Id,
    string Directory,
    ModelLayout Layout,
    ModelLocation Location,
    string? CheckpointPath = null,
    string? TokenizerPath = null);
