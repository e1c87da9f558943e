using System.Buffers;
using System.Text;

namespace LeapEngine.Core.Tokenization;

/// <summary>Readable text for a token's raw bytes, for display only.</summary>
internal static class TokenDisplay
{
    /// <summary>
    /// Valid UTF-8 as text; each byte of an incomplete or invalid sequence (a piece of a character
    /// split across tokens) written as "&lt;0xNN&gt;", the SentencePiece spelling, so it stays visible.
    /// </summary>
    public static string FromBytes(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder(bytes.Length);
        while (!bytes.IsEmpty)
        {
            if (Rune.DecodeFromUtf8(bytes, out var rune, out int consumed) == OperationStatus.Done)
            {
                sb.Append(rune.ToString());
            }
            else
            {
                foreach (var b in bytes[..consumed]) sb.Append($"<0x{b:X2}>");
            }
            bytes = bytes[consumed..];
        }
        return sb.ToString();
    }
}
