using System.Text;

namespace LeapEngine.Core.Tokenization;

/// <summary>
/// GPT-2's byte-to-unicode table (bytes_to_unicode in openai/gpt-2 encoder.py). Byte-level BPE
/// vocabularies (vocab.json, tokenizer.json) spell every byte as one printable character, so a
/// space is "Ġ" and a newline "Ċ"; we need the inverse to know which bytes a token stands for.
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly char[] ByteToChar = BuildTable();
    private static readonly Dictionary<char, byte> CharToByte =
        Enumerable.Range(0, 256).ToDictionary(b => ByteToChar[b], b => (byte)b);

    private static char[] BuildTable()
    {
        // Printable Latin-1 bytes map to themselves; the others are shifted to 256 + n in order.
        var table = new char[256];
        int shifted = 0;
        for (int b = 0; b < 256; b++)
        {
            bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            table[b] = printable ? (char)b : (char)(256 + shifted++);
        }
        return table;
    }

    public static char Encode(byte b) => ByteToChar[b];

    /// <summary>The bytes a byte-level token string stands for, or null when it has a character
    /// outside the alphabet (then it is not a byte-level token, e.g. an added plain-text token).</summary>
    public static byte[]? TryDecode(string token)
    {
        var bytes = new byte[token.Length];
        for (int i = 0; i < token.Length; i++)
        {
            if (!CharToByte.TryGetValue(token[i], out bytes[i])) return null;
        }
        return bytes;
    }

    /// <summary>A byte-level token string for raw bytes (used to export vocabularies in tests and tools).</summary>
    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder(bytes.Length);
        foreach (var b in bytes) sb.Append(ByteToChar[b]);
        return sb.ToString();
    }
}
