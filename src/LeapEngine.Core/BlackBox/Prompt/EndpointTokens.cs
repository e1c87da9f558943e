using LeapEngine.Core.BlackBox.Client;
using LeapEngine.Core.Tokenization;

namespace LeapEngine.Core.BlackBox.Prompt;

/// <summary>
/// Units from the endpoint's own tokenizer (vLLM's /tokenize with return_token_strs): each
/// message's content is tokenized on its own and the token strings matched back to characters.
/// Word-piece markers are read as the space they stand for (SentencePiece "▁", byte-level
/// "Ġ"/"Ċ"); a token that cannot be matched (a raw byte piece) stops with a clear error.
/// </summary>
public static class EndpointTokens
{
    public static async Task<IReadOnlyList<IReadOnlyList<TextSpan>>> SpansAsync(EndpointClient client, IReadOnlyList<ChatMessage> messages, CancellationToken ct)
    {
        var result = new List<IReadOnlyList<TextSpan>>();
        foreach (var m in messages)
        {
            if (m.Content.Length == 0) { result.Add([]); continue; }
            var answer = await client.TokenizeAsync(new TokenizeRequest(client.Spec.Model, m.Content, AddSpecialTokens: false, ReturnTokenStrs: true), ct);
            var strs = answer.TokenStrs ?? throw new EndpointException(EndpointFailure.BadResponse,
                "tokenize: the answer has no token_strs (needed to map tokens back to text); use unit word or sentence");
            result.Add(Match(m.Content, strs));
        }
        return result;
    }

    /// <summary>Character spans of <paramref name="tokens"/> in <paramref name="text"/>, in order.</summary>
    public static IReadOnlyList<TextSpan> Match(string text, IReadOnlyList<string> tokens)
    {
        var spans = new List<TextSpan>();
        int at = 0;
        foreach (var raw in tokens)
        {
            var piece = raw.Replace('▁', ' ').Replace('Ġ', ' ').Replace('Ċ', '\n');
            int start = at;
            // A leading marker the text does not have (SentencePiece's dummy prefix at the start) matches nothing.
            if (at == 0 && piece.StartsWith(' ') && !text.StartsWith(' ')) piece = piece[1..];
            if (string.CompareOrdinal(text, at, piece, 0, piece.Length) != 0 || at + piece.Length > text.Length)
                throw new ArgumentException(
                    $"the endpoint's token '{raw}' does not match the text at character {at}; endpoint tokens work only for tokenizers " +
                    "whose tokens spell the text, use unit word or sentence");
            at += piece.Length;
            spans.Add(new TextSpan(start, at - start));
        }
        if (at != text.Length) throw new ArgumentException($"the endpoint's tokens cover {at} of {text.Length} characters; use unit word or sentence");
        return spans;
    }
}
