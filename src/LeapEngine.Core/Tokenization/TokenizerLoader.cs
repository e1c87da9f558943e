namespace LeapEngine.Core.Tokenization;

/// <summary>Finds and loads a model's tokenizer from the files beside its weights.</summary>
public static class TokenizerLoader
{
    /// <summary>
    /// Picks, in order: tokenizer.json (byte-level BPE; skipped for a .model file when it is not
    /// byte-level), tokenizer.model or the single *.model (SentencePiece), vocab.json + merges.txt
    /// (GPT-2 BPE), and for <paramref name="modelType"/> "gpt2" the offline tiktoken GPT-2 data.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidDataException">No tokenizer file was found.</exception>
    public static ITokenizer FromDirectory(string dir, string? modelType = null)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"Tokenizer folder '{dir}' does not exist.");

        var sentencePiece = FindSentencePieceModel(dir);
        var tokenizerJson = Path.Combine(dir, "tokenizer.json");
        if (File.Exists(tokenizerJson))
        {
            try
            {
                return ByteLevelBpeTokenizer.FromTokenizerJson(tokenizerJson);
            }
            catch (NotSupportedException) when (sentencePiece is not null)
            {
                // Llama 2 style folders ship a SentencePiece-converted tokenizer.json beside the .model.
            }
        }
        if (sentencePiece is not null) return SentencePieceTokenizer.FromFile(sentencePiece);

        var vocab = Path.Combine(dir, "vocab.json");
        var merges = Path.Combine(dir, "merges.txt");
        if (File.Exists(vocab) && File.Exists(merges)) return Gpt2Tokenizer.FromVocabAndMerges(vocab, merges);

        if (string.Equals(modelType, "gpt2", StringComparison.OrdinalIgnoreCase)) return Gpt2Tokenizer.FromTiktokenData();

        throw new InvalidDataException(
            $"No tokenizer found in '{Path.GetFullPath(dir)}': looked for tokenizer.json, tokenizer.model, *.model, " +
            $"vocab.json + merges.txt (model type '{modelType ?? "none"}'; only 'gpt2' has built-in offline data).");
    }

    /// <summary>
    /// An explicit tokenizer file: a .json is read as a Hugging Face tokenizer.json, anything else
    /// as a SentencePiece model (tokenizer.model, llama2.c's tok512.model).
    /// </summary>
    public static ITokenizer FromFile(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Tokenizer file '{path}' does not exist.", path);
        return path.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
            ? ByteLevelBpeTokenizer.FromTokenizerJson(path)
            : SentencePieceTokenizer.FromFile(path);
    }

    private static string? FindSentencePieceModel(string dir)
    {
        var preferred = Path.Combine(dir, "tokenizer.model");
        if (File.Exists(preferred)) return preferred;
        var models = Directory.GetFiles(dir, "*.model").Order(StringComparer.Ordinal).ToArray();
        return models.Length switch
        {
            0 => null,
            1 => models[0],
            _ => throw new InvalidDataException(
                $"Several SentencePiece models in '{Path.GetFullPath(dir)}' ({string.Join(", ", models.Select(Path.GetFileName))}); " +
                "load one with TokenizerLoader.FromFile."),
        };
    }
}
