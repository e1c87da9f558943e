namespace LeapEngine.Core.Tokenization;

/// <summary>
/// A model's tokenizer. Every encoding keeps character offsets into the ORIGINAL text
/// (not a normalised copy), because attribution reports spans of what the user wrote.
/// </summary>
public interface ITokenizer
{
    /// <summary>Short description, e.g. "sentencepiece (tok512.model)".</summary>
    string Name { get; }

    /// <summary>Number of ids the tokenizer can produce (may be below the model's vocab).</summary>
    int VocabSize { get; }

    /// <summary>Beginning-of-sequence id, when the tokenizer has one.</summary>
    int? BosId { get; }

    /// <summary>End-of-sequence id, when the tokenizer has one.</summary>
    int? EosId { get; }

    /// <summary>Encodes text; with <paramref name="addBos"/> the BOS id comes first (offset 0, length 0).</summary>
    EncodedText Encode(string text, bool addBos = false);

    /// <summary>Decodes ids to text (special tokens such as BOS/EOS are skipped).</summary>
    string Decode(IEnumerable<int> ids);

    /// <summary>The surface text of one token, for display (e.g. " cat", "&lt;0x0A&gt;").</summary>
    string TokenText(int id);
}
