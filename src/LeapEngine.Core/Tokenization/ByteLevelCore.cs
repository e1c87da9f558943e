using System.Text;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace LeapEngine.Core.Tokenization;

/// <summary>A text that is cut out before BPE and becomes one id (e.g. "&lt;|endoftext|&gt;").</summary>
internal readonly record struct AddedToken(int Id, string Content, bool Special);

/// <summary>
/// The work shared by the byte-level tokenizers (GPT-2 from tiktoken or vocab/merges, Hugging Face
/// tokenizer.json): a Microsoft.ML.Tokenizers model does the merging, and we keep our own
/// id-to-bytes table to cut the original text into token spans and to decode.
/// </summary>
internal sealed class ByteLevelCore
{
    private readonly Tokenizer _inner;
    private readonly byte[]?[] _bytes;          // id -> the UTF-8 bytes it stands for
    private readonly string?[] _addedText;      // id -> content, for added tokens
    private readonly bool[] _skipInDecode;      // id -> special added token

    public ByteLevelCore(Tokenizer inner, byte[]?[] bytes, IEnumerable<AddedToken> added, int? bosId, int? eosId)
    {
        _inner = inner;
        _bytes = bytes;
        _addedText = new string?[bytes.Length];
        _skipInDecode = new bool[bytes.Length];
        foreach (var token in added)
        {
            _addedText[token.Id] = token.Content;
            _skipInDecode[token.Id] = token.Special;
        }
        BosId = bosId;
        EosId = eosId;
    }

    public int VocabSize => _bytes.Length;
    public int? BosId { get; }
    public int? EosId { get; }

    /// <summary>
    /// Builds a byte-level BPE from a vocabulary in the byte-level alphabet ("Ġcat"), merges as
    /// "a b" strings, and added tokens; <paramref name="pattern"/> splits the text before BPE.
    /// </summary>
    public static ByteLevelCore FromVocabulary(
        IReadOnlyDictionary<string, int> vocab, IEnumerable<string> merges, IReadOnlyList<AddedToken> added,
        string pattern, int? bosId, int? eosId)
    {
        var specials = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var token in added) specials[token.Content] = token.Id;

        var options = new BpeOptions(vocab)
        {
            Merges = merges,
            ByteLevel = true,
            SpecialTokens = specials,
            // The pre-tokenizer, given the added tokens, cuts them out whole before the regex runs.
            PreTokenizer = new RegexPreTokenizer(new Regex(pattern, RegexOptions.Compiled), specials),
        };
        var inner = BpeTokenizer.Create(options);

        int size = Math.Max(vocab.Count == 0 ? 0 : vocab.Values.Max() + 1, added.Count == 0 ? 0 : added.Max(a => a.Id) + 1);
        var bytes = new byte[]?[size];
        foreach (var (token, id) in vocab)
            bytes[id] = ByteLevelAlphabet.TryDecode(token) ?? Encoding.UTF8.GetBytes(token);
        foreach (var token in added)
            bytes[token.Id] = Encoding.UTF8.GetBytes(token.Content);
        return new ByteLevelCore(inner, bytes, added, bosId, eosId);
    }

    public EncodedText Encode(string text, bool addBos)
    {
        var tokens = _inner.EncodeToTokens(text, out _);
        var ids = new List<int>(tokens.Count + 1);
        var lengths = new int[tokens.Count];
        for (int i = 0; i < tokens.Count; i++)
        {
            int id = tokens[i].Id;
            ids.Add(id);
            // An id with no bytes (an unknown token) covers what the library says it covers.
            lengths[i] = Bytes(id)?.Length
                ?? Encoding.UTF8.GetByteCount(text.AsSpan()[tokens[i].Offset]);
        }
        var spans = new List<TextSpan>(TokenSpanAligner.Align(text, lengths));
        if (addBos)
        {
            if (BosId is not int bos) throw new InvalidOperationException("This tokenizer has no BOS token.");
            ids.Insert(0, bos);
            spans.Insert(0, new TextSpan(0, 0));
        }
        return new EncodedText(text, ids, spans);
    }

    public string Decode(IEnumerable<int> ids)
    {
        var buffer = new List<byte>();
        foreach (var id in ids)
        {
            var bytes = Bytes(id) ?? throw new ArgumentOutOfRangeException(nameof(ids), id, "Not an id of this tokenizer.");
            if (_skipInDecode[id]) continue;
            buffer.AddRange(bytes);
        }
        // Invalid UTF-8 (a sequence cut inside a character) decodes to U+FFFD, as in Hugging Face.
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public string TokenText(int id)
    {
        var bytes = Bytes(id) ?? throw new ArgumentOutOfRangeException(nameof(id), id, "Not an id of this tokenizer.");
        return _addedText[id] ?? TokenDisplay.FromBytes(bytes);
    }

    private byte[]? Bytes(int id) => id >= 0 && id < _bytes.Length ? _bytes[id] : null;
}
