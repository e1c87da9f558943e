using LeapEngine.Core.Attribution;
using LeapEngine.Core.BlackBox.Client;

namespace LeapEngine.Core.BlackBox.Scoring;

/// <summary>Which completions-route feature gives the prompt's own log-probs.</summary>
public enum PromptLogprobRoute
{
    /// <summary>OpenAI's legacy completions <c>echo: true</c> with <c>logprobs</c> (tokens, token_logprobs, text_offset).</summary>
    Echo,
    /// <summary>vLLM's <c>prompt_logprobs: 0</c> (one {id: {logprob, decoded_token}} per prompt token).</summary>
    PromptLogprobs,
}

/// <summary>
/// <see cref="ScoringMode.TeacherForced"/>: the messages are rendered to one prompt with a chat
/// template (client side: the completions route takes text), the completion appended, and the
/// endpoint's log-probs of the completion's tokens read off the end. A completion token must
/// not straddle the boundary (the endpoint would tokenize the join differently from the parts):
/// completions that start with a space or a new word satisfy this for word-piece tokenizers.
/// </summary>
public sealed class TeacherForcedReader(EndpointClient client, ChatTemplate template, PromptLogprobRoute route) : ICompletionReader
{
    private string? _completion;
    private int _tokens;

    public ScoringMode Mode => ScoringMode.TeacherForced;
    public PromptLogprobRoute Route => route;

    public int EstablishCalls(bool completionGiven) => completionGiven ? 1 : 2;

    /// <summary>The prompt text the endpoint sees for these messages.</summary>
    public string Render(IReadOnlyList<ChatMessage> messages) =>
        template.Render(messages.Select(m => new PromptSegment(m.Role, m.Content)).ToList()).Text;

    public async Task<CompletionReading> EstablishAsync(IReadOnlyList<ChatMessage> messages, string? given, int maxNewTokens, CancellationToken ct)
    {
        string completion = given ?? await GenerateAsync(Render(messages), maxNewTokens, ct);
        if (completion.Length == 0) throw new ArgumentException("the completion is empty; give a non-empty completion");
        var (tokens, logProbs) = await ReadAsync(Render(messages), completion, ct);
        _completion = completion;
        _tokens = tokens.Count;
        return new CompletionReading(completion, tokens, logProbs, given is null);
    }

    public async Task<double[]> ScoreAsync(IReadOnlyList<ChatMessage> messages, CancellationToken ct)
    {
        var completion = _completion ?? throw new InvalidOperationException("establish the completion first");
        var (tokens, logProbs) = await ReadAsync(Render(messages), completion, ct);
        if (tokens.Count != _tokens)
            throw new EndpointException(EndpointFailure.BadResponse,
                $"the completion took {tokens.Count} tokens after a perturbed prompt but {_tokens} after the original: the endpoint " +
                "tokenizes it differently depending on what precedes it; start the completion with a space or use unit 'sentence'");
        return logProbs;
    }

    private async Task<string> GenerateAsync(string prompt, int maxNewTokens, CancellationToken ct)
    {
        var response = await client.CompletionAsync(new CompletionRequest
        {
            Model = client.Spec.Model, Prompt = prompt, MaxTokens = maxNewTokens, Temperature = 0,
        }, ct);
        var text = response.Choices?.FirstOrDefault()?.Text;
        if (string.IsNullOrEmpty(text))
            throw new EndpointException(EndpointFailure.BadResponse, "the endpoint generated no completion at temperature 0; give the completion to explain");
        return text;
    }

    private async Task<(IReadOnlyList<string> Tokens, double[] LogProbs)> ReadAsync(string prompt, string completion, CancellationToken ct)
    {
        var request = new CompletionRequest
        {
            Model = client.Spec.Model, Prompt = prompt + completion, MaxTokens = 1, Temperature = 0,
            Echo = route == PromptLogprobRoute.Echo ? true : null,
            Logprobs = route == PromptLogprobRoute.Echo ? 1 : null,
            PromptLogprobs = route == PromptLogprobRoute.PromptLogprobs ? 0 : null,
        };
        var choice = (await client.CompletionAsync(request, ct)).Choices?.FirstOrDefault()
            ?? throw new EndpointException(EndpointFailure.BadResponse, "completions: the answer has no choices");
        return route == PromptLogprobRoute.Echo
            ? FromEcho(choice, prompt.Length, completion.Length)
            : FromPromptLogprobs(choice, completion.Length);
    }

    /// <summary>The echoed tokens whose text offset lies inside the completion.</summary>
    internal static (IReadOnlyList<string>, double[]) FromEcho(CompletionChoice choice, int promptChars, int completionChars)
    {
        var lp = choice.Logprobs;
        if (lp?.Tokens is not { } tokens || lp.TokenLogprobs is not { } values || lp.TextOffset is not { } offsets
            || values.Count != tokens.Count || offsets.Count != tokens.Count)
            throw new EndpointException(EndpointFailure.BadResponse,
                "completions with echo: the answer lacks logprobs.tokens, token_logprobs and text_offset of equal lengths");
        int end = promptChars + completionChars;
        var picked = new List<int>();
        // A first token without a log-prob is BOS (listed at offset 0, as LeapEngine's own endpoint does): never the completion's.
        for (int i = values[0] is null ? 1 : 0; i < tokens.Count; i++)
        {
            int start = offsets[i];
            if (start >= promptChars && start < end)
            {
                if (picked.Count == 0 && IsDummyPrefix(tokens, offsets, i)) continue;
                picked.Add(i);
            }
            else if (start < promptChars && start + tokens[i].Length > promptChars && i + 1 < tokens.Count && offsets[i + 1] > promptChars)
                throw Straddle();
        }
        if (picked.Count == 0 || offsets[picked[0]] != promptChars) throw Straddle();
        if (picked.Any(i => values[i] is null))
            throw new EndpointException(EndpointFailure.BadResponse, "completions with echo: a completion token has no log-prob");
        return (picked.Select(i => tokens[i]).ToList(), picked.Select(i => values[i]!.Value).ToArray());
    }

    /// <summary>
    /// A whitespace token followed by one at the same offset spells nothing of the text: a SentencePiece tokenizer's
    /// dummy prefix, which a text starting with a space gets when nothing precedes it (an empty perturbed prompt). The
    /// model read it, but it is the prompt's, not the completion's; counting it would change the completion's length.
    /// </summary>
    private static bool IsDummyPrefix(IReadOnlyList<string> tokens, IReadOnlyList<int> offsets, int i) =>
        i + 1 < tokens.Count && offsets[i + 1] == offsets[i] && tokens[i].Length > 0 && string.IsNullOrWhiteSpace(tokens[i]);

    /// <summary>vLLM's prompt_logprobs: the last prompt tokens whose decoded texts add up to the completion.</summary>
    internal static (IReadOnlyList<string>, double[]) FromPromptLogprobs(CompletionChoice choice, int completionChars)
    {
        var entries = choice.PromptLogprobs
            ?? throw new EndpointException(EndpointFailure.BadResponse, "completions: the answer has no prompt_logprobs (the endpoint ignored the parameter)");
        var tokens = new List<string>();
        var values = new List<double>();
        int chars = 0;
        for (int i = entries.Count - 1; i >= 1 && chars < completionChars; i--)
        {
            var entry = entries[i];
            if (entry is not { Count: 1 })
                throw new EndpointException(EndpointFailure.BadResponse, "prompt_logprobs: expected exactly the prompt token at each position (prompt_logprobs 0)");
            var only = entry.Values.First();
            var text = only.DecodedToken ?? "";
            chars += text.Length;
            tokens.Insert(0, text);
            values.Insert(0, only.Logprob);
        }
        if (chars != completionChars) throw Straddle();
        return (tokens, values.ToArray());
    }

    private static EndpointException Straddle() => new(EndpointFailure.BadResponse,
        "the endpoint's tokens do not start where the completion starts (a token spans the prompt's end and the completion's start); " +
        "start the completion with a space or a new line");
}
