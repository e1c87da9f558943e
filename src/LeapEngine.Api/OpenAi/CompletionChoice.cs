using System.Text;
using LeapEngine.Core.Serving;

namespace LeapEngine.Api.OpenAi;

/// <summary>
/// One choice of a completions answer as its events arrive: the echoed prompt (with its teacher-forced
/// scores), the sampled tokens, and the finish reason; it gives the whole choice or the stream's pieces.
/// </summary>
public sealed class CompletionChoice(int index, CompletionRequest request, PreparedPrompt prompt, TokenFormat tokens)
{
    private readonly StringBuilder _text = new();
    private readonly CompletionLogprobsView? _logprobs = request.Logprobs is null ? null : new([], [], [], []);
    private readonly int _top = request.Logprobs ?? 0;
    private int _generatedOffset;
    private bool _opened;
    private string? _finish;

    /// <summary>The prompt's scores (set before any token of this prompt when the prompt is scored).</summary>
    public IReadOnlyList<PromptTokenScore>? PromptScores { get; set; }

    /// <summary>The echoed prompt and its log-probs (or an empty opening when neither is asked for), once; null afterwards.</summary>
    public CompletionChoiceView? Opening()
    {
        if (_opened) return null;
        _opened = true;
        var echoed = request.Echo ? prompt.EchoText : "";
        _text.Append(echoed);
        _generatedOffset = echoed.Length;
        CompletionLogprobsView? piece = null;
        if (_logprobs is not null && request.Echo && PromptScores is { } scores)
        {
            piece = new([], [], [], []);
            for (int i = prompt.VisibleFrom; i < prompt.Ids.Length; i++)
            {
                var score = scores[i];
                Append(piece, score.Id, score.LogProb, score.LogProb is { } lp ? tokens.TopMap(score.Id, lp, score.Top, _top) : null,
                    prompt.EchoOffsets[i - prompt.VisibleFrom]);
            }
            Merge(piece);
        }
        var promptLogprobs = PromptLogprobs();
        if (!request.Echo && promptLogprobs is null) return null;   // nothing to open with: the first token's piece opens the choice
        return new CompletionChoiceView(index, echoed, piece, null, promptLogprobs);
    }

    /// <summary>A token's piece of the stream: its released text and its log-probs (null when there is nothing to send).</summary>
    public CompletionChoiceView? Add(TokenSampled t)
    {
        _text.Append(t.Text);
        if (t.Token.Id == tokens.EosId) return null;
        CompletionLogprobsView? piece = null;
        if (_logprobs is not null)
        {
            piece = new([], [], [], []);
            Append(piece, t.Token.Id, t.Token.LogProb, tokens.TopMap(t.Token.Id, t.Token.LogProb, t.Token.Top, _top), _generatedOffset + t.TextOffset);
            Merge(piece);
        }
        if (t.Text.Length == 0 && piece is null) return null;
        return new CompletionChoiceView(index, t.Text, piece, null, null);
    }

    public CompletionChoiceView End(ChoiceEnded end)
    {
        _text.Append(end.Text);
        _finish = end.FinishReason;
        return new CompletionChoiceView(index, end.Text, _logprobs is null ? null : new([], [], [], []), end.FinishReason, null);
    }

    /// <summary>The whole choice, for the non-streamed answer.</summary>
    public CompletionChoiceView Whole()
    {
        Opening();
        return new CompletionChoiceView(index, _text.ToString(), _logprobs, _finish, PromptLogprobs());
    }

    /// <summary>vLLM's prompt_logprobs over the visible prompt tokens, when asked for.</summary>
    private List<Dictionary<string, PromptLogprobView>?>? PromptLogprobs() =>
        request.PromptLogprobs is { } k && PromptScores is { } all
            ? all.Skip(prompt.VisibleFrom).Select(score => tokens.PromptEntry(score, k)).ToList()
            : null;

    private void Merge(CompletionLogprobsView piece)
    {
        _logprobs!.Tokens.AddRange(piece.Tokens);
        _logprobs.TokenLogprobs.AddRange(piece.TokenLogprobs);
        _logprobs.TopLogprobs.AddRange(piece.TopLogprobs);
        _logprobs.TextOffset.AddRange(piece.TextOffset);
    }

    private void Append(CompletionLogprobsView into, int id, float? logProb, Dictionary<string, float>? top, int offset)
    {
        into.Tokens.Add(tokens.Text(id));
        into.TokenLogprobs.Add(logProb);
        into.TopLogprobs.Add(top);
        into.TextOffset.Add(offset);
    }
}
