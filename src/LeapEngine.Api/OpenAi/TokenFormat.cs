using System.Text;
using LeapEngine.Core.Runtime;
using LeapEngine.Core.Serving;

namespace LeapEngine.Api.OpenAi;

/// <summary>Token ids as OpenAI's formats spell them: the token's text, its UTF-8 bytes, and top-k lists or maps.</summary>
public sealed class TokenFormat(LanguageModel model)
{
    /// <summary>The end-of-sequence id: it ends a choice and is never part of its text or its log-probs.</summary>
    public int? EosId => model.EosId;

    /// <summary>The token's surface text (a byte of a split character as "&lt;0xNN&gt;", SentencePiece's spelling).</summary>
    public string Text(int id) => model.Tokenizer.TokenText(id);

    public static int[] Bytes(string text) => Encoding.UTF8.GetBytes(text).Select(b => (int)b).ToArray();

    /// <summary>Chat's entry for one sampled token, with the <paramref name="top"/> most likely alternatives.</summary>
    public ChatTokenLogprobView Chat(SampledToken token, int top)
    {
        var text = Text(token.Id);
        var alternatives = token.Top.Take(top).Select(t => new ChatTopLogprobView(Text(t.Id), t.LogProb, Bytes(Text(t.Id)))).ToList();
        return new ChatTokenLogprobView(text, token.LogProb, Bytes(text), alternatives);
    }

    /// <summary>Legacy top_logprobs: the <paramref name="top"/> alternatives and the token itself, by text (the likelier wins a clash).</summary>
    public Dictionary<string, float> TopMap(int id, float logProb, IReadOnlyList<TokenLogProb> alternatives, int top)
    {
        var map = new Dictionary<string, float>(StringComparer.Ordinal);
        foreach (var t in alternatives.Take(top)) map.TryAdd(Text(t.Id), t.LogProb);
        map.TryAdd(Text(id), logProb);
        return map;
    }

    /// <summary>vLLM's prompt_logprobs entry: the position's own token and its <paramref name="top"/> alternatives, by id.</summary>
    public Dictionary<string, PromptLogprobView>? PromptEntry(PromptTokenScore score, int top)
    {
        if (score.LogProb is not { } own) return null;
        var map = new Dictionary<string, PromptLogprobView>(StringComparer.Ordinal)
        {
            [score.Id.ToString()] = new PromptLogprobView(own, score.Rank, Text(score.Id)),
        };
        int rank = 1;
        foreach (var t in score.Top.Take(top)) map.TryAdd(t.Id.ToString(), new PromptLogprobView(t.LogProb, rank++, Text(t.Id)));
        return map;
    }
}
