using System.Text;

namespace LeapEngine.Core.Tokenization;

/// <summary>Readable text for a token's raw bytes, for display only.</summary>
internal static class TokenDisplay
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// The bytes as text when they are valid UTF-8 on their own; otherwise every byte written as
    /// "&lt;0xNN&gt;", the SentencePiece spelling, so a piece of a split character stays visible.
    /// </summary>
    public static string FromBytes(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return Strict.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            var sb = new StringBuilder(bytes.Length * 6);
            foreach (var b in bytes) sb.Append($"<0x{b:X2}>");
            return sb.ToString();
        }
    }
}
