using LeapEngine.Core.Runtime;
using LeapEngine.Core.Serving;

namespace LeapEngine.Api.OpenAi;

/// <summary>
/// POST /v1/completions: text or token-id prompts continued as given; echo and logprobs score the prompt by
/// teacher forcing (max_tokens 0 scores it only), and vLLM's prompt_logprobs reports it per position.
/// Choice i of prompt p has index p x n + i.
/// </summary>
public static class CompletionsEndpoint
{
    /// <summary>OpenAI's default max_tokens for completions.</summary>
    public const int DefaultMaxTokens = 16;

    public static Task<IResult> HandleAsync(HttpContext http) =>
        ServeFlow.RunAsync<CompletionRequest>(http, Plan, (r, s) => r.Stream ? StreamAsync(r, s) : AnswerAsync(r, s));

    private static ServePlan Plan(CompletionRequest r, Sampling sampling, LanguageModel model, ServedTarget target, OpenAiOptions options)
    {
        if (r.Prompt is null) throw new OpenAiRequestException("prompt", "prompt is required (a string, a list of strings, or token ids)");
        if (r.Prompt.Count > options.MaxPrompts)
            throw new OpenAiRequestException("prompt", $"at most {options.MaxPrompts} prompts per request, got {r.Prompt.Count}");
        int maxTokens = r.MaxTokens ?? DefaultMaxTokens;
        if (maxTokens < 0) throw new OpenAiRequestException("max_tokens", $"max_tokens must be >= 0, got {maxTokens}");
        if (r.BestOf is { } bestOf && bestOf != sampling.Choices)
            throw new OpenAiRequestException("best_of", "best_of is not supported beyond n: omit it (every choice is its own sample)");
        int top = r.Logprobs is { } k ? Sampling.TopCount("logprobs", k) : 0;
        int? promptTop = r.PromptLogprobs is { } pk ? Sampling.TopCount("prompt_logprobs", pk) : null;
        bool scorePrompt = promptTop is not null || (r.Echo && r.Logprobs is not null);
        var prompts = new List<PreparedPrompt>();
        if (r.Prompt.Texts is { } texts)
            prompts.AddRange(texts.Select(t => PromptBuilder.FromText(model, target, t)));
        else
            prompts.AddRange(r.Prompt.Tokens!.Select((ids, i) => PromptBuilder.FromIds(model, target, ids, r.Prompt.Tokens!.Count > 1 ? $"prompt[{i}]" : "prompt")));
        return new ServePlan(target.ModelId, prompts, sampling.Choices, maxTokens, sampling.Temperature, sampling.TopP, sampling.Seed,
            top, scorePrompt ? Math.Max(top, promptTop ?? 0) : null, sampling.Stops);
    }

    private static async Task<IResult> AnswerAsync(CompletionRequest r, ServeSession s)
    {
        var choices = Choices.For(r, s);
        int completion = 0;
        await s.RunAsync(e =>
        {
            if (e is ChoiceEnded end) completion += end.CompletionTokens;
            choices.Add(e);
            return ValueTask.CompletedTask;
        });
        return TypedResults.Json(new CompletionView(s.Id, "text_completion", s.Created, s.Target.Name, null,
            choices.All().Select(c => c.Whole()).ToList(), s.UsageView(completion)), OpenAiJson.Options);
    }

    private static async Task<IResult> StreamAsync(CompletionRequest r, ServeSession s)
    {
        var sse = new SseWriter(s.Http.Response);
        var ct = s.Aborted;
        var choices = Choices.For(r, s);
        int completion = 0;
        CompletionView Chunk(CompletionChoiceView choice) => new(s.Id, "text_completion", s.Created, s.Target.Name, null, [choice], null);
        await StreamErrors.RunAsync(sse, s, async () =>
        {
            await s.RunAsync(async e =>
            {
                if (e is ChoiceEnded end) completion += end.CompletionTokens;
                foreach (var piece in choices.Add(e)) await sse.WriteAsync(Chunk(piece), ct);
            }, leased: () => sse.StartAsync(ct));
            if (r.StreamOptions?.IncludeUsage == true)
                await sse.WriteAsync(new CompletionView(s.Id, "text_completion", s.Created, s.Target.Name, null, [],
                    s.UsageView(completion)), ct);
            await sse.DoneAsync(ct);
        });
        return Results.Empty;
    }

    /// <summary>Every choice of the request, by prompt and choice, building both the whole answer and the stream's pieces.</summary>
    private sealed class Choices
    {
        private readonly CompletionChoice[] _all;
        private readonly int _n;

        private Choices(CompletionChoice[] all, int n)
        {
            _all = all;
            _n = n;
        }

        public static Choices For(CompletionRequest r, ServeSession s)
        {
            int n = s.Plan.Choices;
            var all = s.Plan.Prompts.SelectMany((prompt, p) => Enumerable.Range(0, n).Select(c => new CompletionChoice(p * n + c, r, prompt, s.Tokens)))
                .ToArray();
            return new Choices(all, n);
        }

        public IEnumerable<CompletionChoice> All() => _all;

        /// <summary>Records an event; returns the stream pieces it makes (the choice's opening piece first, once).</summary>
        public List<CompletionChoiceView> Add(ServeEvent e)
        {
            var pieces = new List<CompletionChoiceView>();
            switch (e)
            {
                case PromptScored scored:
                    for (int c = 0; c < _n; c++) _all[scored.Prompt * _n + c].PromptScores = scored.Scores;
                    break;
                case TokenSampled t:
                    var choice = _all[t.Prompt * _n + t.Token.Choice];
                    if (choice.Opening() is { } open) pieces.Add(open);
                    if (choice.Add(t) is { } piece) pieces.Add(piece);
                    break;
                case ChoiceEnded end:
                    var ended = _all[end.Prompt * _n + end.Choice];
                    if (ended.Opening() is { } first) pieces.Add(first);
                    pieces.Add(ended.End(end));
                    break;
            }
            return pieces;
        }
    }
}
