namespace LeapEngine.Core.Tokenization;

/// <summary>
/// A byte-level BPE read from a Hugging Face tokenizer.json (Llama 3, Qwen, GPT-2 style):
/// vocab and merges from "model", added_tokens cut out whole (special ones skipped by Decode),
/// and the split regex from the pre_tokenizer. <see cref="Encode"/> adds BOS only when asked.
/// </summary>
public sealed class ByteLevelBpeTokenizer : ByteLevelTokenizerBase
{
    private ByteLevelBpeTokenizer(ByteLevelCore core, string name) : base(core, name) { }

    /// <summary>
    /// Reads tokenizer.json, and tokenizer_config.json beside it when present (for bos/eos names).
    /// </summary>
    /// <exception cref="NotSupportedException">The file is not a byte-level BPE this class encodes faithfully.</exception>
    public static ByteLevelBpeTokenizer FromTokenizerJson(string path)
    {
        var configPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "tokenizer_config.json");
        using var json = File.OpenRead(path);
        using var config = File.Exists(configPath) ? File.OpenRead(configPath) : null;
        return FromTokenizerJson(json, config, $"byte-level bpe ({Path.GetFileName(path)})");
    }

    public static ByteLevelBpeTokenizer FromTokenizerJson(Stream tokenizerJson, Stream? tokenizerConfigJson = null, string name = "byte-level bpe")
    {
        var parsed = HfTokenizerJson.Parse(tokenizerJson, tokenizerConfigJson);
        var core = ByteLevelCore.FromVocabulary(parsed.Vocab, parsed.Merges, parsed.Added, parsed.Pattern, parsed.BosId, parsed.EosId);
        return new ByteLevelBpeTokenizer(core, name);
    }
}
