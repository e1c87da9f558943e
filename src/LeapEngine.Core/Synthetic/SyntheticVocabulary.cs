using System.Text;
using System.Text.Json;
using LeapEngine.Core.Tokenization;

namespace LeapEngine.Core.Synthetic;

/// <summary>
/// The word vocabulary every synthetic model shares: " a".." z" and every two-letter word " aa".." zz",
/// each one token, written as a byte-level BPE tokenizer.json (all 256 byte tokens, then merges
/// "Ġ a" and "Ġa b"), because that is the tokenizer.json kind Core loads. A text of words each preceded
/// by a space ("␣ka␣bo␣fi") therefore encodes to exactly one id per word, and any other text still
/// encodes (byte by byte) instead of failing. Ids are fixed: bytes 0-255, one-letter words, two-letter
/// words, then &lt;s&gt; and &lt;/s&gt;.
/// </summary>
public sealed class SyntheticVocabulary
{
    public const string Bos = "<s>";
    public const string Eos = "</s>";
    private const string Letters = "abcdefghijklmnopqrstuvwxyz";

    private readonly Dictionary<string, int> _wordIds = new(StringComparer.Ordinal);
    private readonly List<string> _words = new();

    public static SyntheticVocabulary Instance { get; } = new();

    private SyntheticVocabulary()
    {
        foreach (var a in Letters) AddWord(a.ToString());
        foreach (var a in Letters)
            foreach (var b in Letters) AddWord($"{a}{b}");
        BosId = 256 + _words.Count;
        EosId = BosId + 1;
    }

    /// <summary>Ids the model needs: bytes, words, BOS and EOS.</summary>
    public int Size => EosId + 1;
    public int BosId { get; }
    public int EosId { get; }

    /// <summary>The id of a word (without its leading space), e.g. "ka".</summary>
    public int Id(string word) => _wordIds.TryGetValue(word, out int id)
        ? id
        : throw new ArgumentException($"'{word}' is not a synthetic word (one or two lowercase letters)", nameof(word));

    /// <summary>The word an id stands for, or null for a byte or special id.</summary>
    public string? Word(int id) => id >= 256 && id - 256 < _words.Count ? _words[id - 256] : null;

    /// <summary>Every two-letter word starting with <paramref name="first"/>, in order ("ka".."kz").</summary>
    public IReadOnlyList<int> WordsStartingWith(char first) =>
        Letters.Select(b => Id($"{first}{b}")).ToArray();

    /// <summary>The prompt text of word ids: each word preceded by a space (the form the tokenizer keeps whole).</summary>
    public string Text(IEnumerable<int> ids)
    {
        var sb = new StringBuilder();
        foreach (var id in ids) sb.Append(' ').Append(Word(id) ?? throw new ArgumentException($"id {id} is not a word id"));
        return sb.ToString();
    }

    /// <summary>Writes tokenizer.json and tokenizer_config.json into <paramref name="directory"/>.</summary>
    public void WriteTokenizer(string directory)
    {
        Directory.CreateDirectory(directory);
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int b = 0; b < 256; b++) vocab[ByteLevelAlphabet.Encode((byte)b).ToString()] = b;
        string space = ByteLevelAlphabet.Encode((byte)' ').ToString();
        var merges = new List<string[]>();
        foreach (var word in _words)
        {
            vocab[space + word] = _wordIds[word];
            // " ab" is built from " a" + "b"; " a" from "Ġ" + "a". One merge per word, shortest words first.
            merges.Add(word.Length == 1 ? [space, word] : [space + word[..^1], word[^1..]]);
        }
        var tokenizer = new Dictionary<string, object?>
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = new[] { Added(BosId, Bos), Added(EosId, Eos) },
            ["normalizer"] = null,
            ["pre_tokenizer"] = new Dictionary<string, object> { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = true },
            ["post_processor"] = null,
            ["decoder"] = new Dictionary<string, object> { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = true },
            ["model"] = new Dictionary<string, object?>
            {
                ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = null, ["continuing_subword_prefix"] = null,
                ["end_of_word_suffix"] = null, ["fuse_unk"] = false, ["byte_fallback"] = false, ["ignore_merges"] = false,
                ["vocab"] = vocab, ["merges"] = merges,
            },
        };
        var options = new JsonSerializerOptions { WriteIndented = false };
        File.WriteAllText(Path.Combine(directory, "tokenizer.json"), JsonSerializer.Serialize(tokenizer, options));
        var config = new Dictionary<string, object>
        {
            ["bos_token"] = Bos, ["eos_token"] = Eos, ["add_bos_token"] = true, ["model_max_length"] = 4096,
            ["tokenizer_class"] = "PreTrainedTokenizerFast",
        };
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), JsonSerializer.Serialize(config, options));
    }

    private static Dictionary<string, object> Added(int id, string content) => new()
    {
        ["id"] = id, ["content"] = content, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false,
        ["normalized"] = false, ["special"] = true,
    };

    private void AddWord(string word)
    {
        _wordIds[word] = 256 + _words.Count;
        _words.Add(word);
    }
}
