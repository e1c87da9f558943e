using System.Text;
using Ml = Microsoft.ML.Tokenizers;

namespace LeapEngine.Core.Tokenization;

/// <summary>
/// A SentencePiece BPE model (tokenizer.model, llama2.c's tok512.model), encoding exactly as
/// llama2.c does: a dummy prefix space, spaces as "▁", byte fallback, no other normalisation.
/// Microsoft.ML.Tokenizers' LlamaTokenizer does the merging.
/// </summary>
/// <remarks>
/// The library's own normaliser honours the model's remove_extra_whitespaces flag (set in
/// tok512.model) and would collapse "a  b" to "a b", which llama2.c does not, and its offsets refer
/// to the normalised text. So we normalise ourselves (a 1:1 character map plus one leading "▁"),
/// encode with the library's normalisation off, and cut the ORIGINAL text by the tokens' bytes.
/// </remarks>
public sealed class SentencePieceTokenizer : ITokenizer
{
    private const char Space = '\u2581'; // "▁"

    private readonly Ml.SentencePieceTokenizer _inner;
    private readonly string[] _pieces;      // id -> piece, "▁" kept
    private readonly int[] _byteValue;      // id -> byte for "<0xNN>" fallback pieces, else -1
    private readonly int[] _pieceBytes;     // id -> UTF-8 length of the piece in the normalised text

    private SentencePieceTokenizer(Ml.SentencePieceTokenizer inner, string name)
    {
        if (inner.TreatWhitespaceAsSuffix)
            throw new NotSupportedException("SentencePiece models with treat_whitespace_as_suffix are not supported.");
        _inner = inner;
        Name = name;

        int size = inner.Vocabulary.Values.Max() + 1;
        _pieces = new string[size];
        _byteValue = new int[size];
        _pieceBytes = new int[size];
        Array.Fill(_pieces, "");
        foreach (var (piece, id) in inner.Vocabulary) _pieces[id] = piece;
        for (int id = 0; id < size; id++)
        {
            _byteValue[id] = inner.ByteFallback ? ParseBytePiece(_pieces[id]) : -1;
            _pieceBytes[id] = _byteValue[id] >= 0 ? 1 : Encoding.UTF8.GetByteCount(_pieces[id]);
        }
    }

    /// <summary>Reads a SentencePiece model file (tokenizer.model, tok512.model).</summary>
    public static SentencePieceTokenizer FromFile(string path)
    {
        using var stream = File.OpenRead(path);
        return FromStream(stream, $"sentencepiece ({Path.GetFileName(path)})");
    }

    public static SentencePieceTokenizer FromStream(Stream model, string name = "sentencepiece") =>
        new(Ml.LlamaTokenizer.Create(model, addBeginOfSentence: false, addEndOfSentence: false), name);

    public string Name { get; }
    public int VocabSize => _pieces.Length;
    public int? BosId => _inner.BeginningOfSentenceId;
    public int? EosId => _inner.EndOfSentenceId;

    public EncodedText Encode(string text, bool addBos = false)
    {
        var ids = new List<int>();
        var spans = new List<TextSpan>();
        if (addBos)
        {
            ids.Add(_inner.BeginningOfSentenceId);
            spans.Add(new TextSpan(0, 0));
        }
        // llama2.c adds the dummy prefix only to non-empty text.
        if (text.Length == 0) return new EncodedText(text, ids, spans);

        int prefix = _inner.AddDummyPrefix ? 1 : 0;
        var normalized = (prefix == 1 ? "\u2581" : "") + (_inner.EscapeWhiteSpaces ? text.Replace(' ', Space) : text);
        var tokens = _inner.EncodeToTokens(normalized, out _, addBeginningOfSentence: false, addEndOfSentence: false,
            considerPreTokenization: false, considerNormalization: false);

        var lengths = new int[tokens.Count];
        for (int i = 0; i < tokens.Count; i++)
        {
            int id = tokens[i].Id;
            ids.Add(id);
            // <unk> covers whatever characters the library replaced with it.
            lengths[i] = id == _inner.UnknownId
                ? Encoding.UTF8.GetByteCount(normalized.AsSpan()[tokens[i].Offset])
                : _pieceBytes[id];
        }
        // Normalised character i is original character i - prefix: shift back, the prefix "▁" maps to nothing.
        foreach (var span in TokenSpanAligner.Align(normalized, lengths))
        {
            int start = Math.Max(0, span.Start - prefix), end = Math.Max(0, span.End - prefix);
            spans.Add(new TextSpan(start, end - start));
        }
        return new EncodedText(text, ids, spans);
    }

    /// <summary>
    /// Inverse of <see cref="Encode"/>: BOS/EOS are skipped, "▁" becomes a space, fallback bytes are
    /// joined into characters, and the dummy prefix space (the first character of the output, when
    /// it is a space) is removed, as llama2.c does for the token after BOS. So decoding the ids of
    /// a continuation on their own drops their leading space; use <see cref="TokenText"/> to stream.
    /// </summary>
    public string Decode(IEnumerable<int> ids)
    {
        var bytes = new List<byte>();
        foreach (var id in ids)
        {
            if (id < 0 || id >= _pieces.Length) throw new ArgumentOutOfRangeException(nameof(ids), id, "Not an id of this tokenizer.");
            if (id == _inner.BeginningOfSentenceId || id == _inner.EndOfSentenceId) continue;
            if (_byteValue[id] >= 0) bytes.Add((byte)_byteValue[id]);
            else if (id == _inner.UnknownId) bytes.AddRange(" \u2047 "u8.ToArray()); // sentencepiece's unk surface
            else bytes.AddRange(Encoding.UTF8.GetBytes(_pieces[id].Replace(Space, ' ')));
        }
        int skip = _inner.AddDummyPrefix && bytes.Count > 0 && bytes[0] == (byte)' ' ? 1 : 0;
        return Encoding.UTF8.GetString(bytes.ToArray(), skip, bytes.Count - skip);
    }

    /// <summary>The piece with "▁" shown as a space; fallback bytes stay "&lt;0x0A&gt;", BOS is "&lt;s&gt;".</summary>
    public string TokenText(int id)
    {
        if (id < 0 || id >= _pieces.Length) throw new ArgumentOutOfRangeException(nameof(id), id, "Not an id of this tokenizer.");
        return _byteValue[id] >= 0 ? _pieces[id] : _pieces[id].Replace(Space, ' ');
    }

    private static int ParseBytePiece(string piece) =>
        piece.Length == 6 && piece.StartsWith("<0x", StringComparison.Ordinal) && piece[5] == '>'
        && byte.TryParse(piece.AsSpan(3, 2), System.Globalization.NumberStyles.HexNumber, null, out var b) ? b : -1;
}
