using System.Text;
using LeapEngine.Core.Runtime;

namespace LeapEngine.Api.OpenAi;

/// <summary>POST /v1/chat/completions: messages through the model's chat template, answered whole or streamed.</summary>
public static class ChatCompletionsEndpoint
{
    /// <summary>max_tokens when the request gives none (OpenAI's is "what fits"; a bound keeps a forgotten limit cheap).</summary>
    public const int DefaultMaxTokens = 256;

    public static Task<IResult> HandleAsync(HttpContext http) =>
        ServeFlow.RunAsync<ChatCompletionRequest>(http, Plan, (r, s) => r.Stream ? StreamAsync(r, s) : AnswerAsync(r, s));

    private static ServePlan Plan(ChatCompletionRequest r, Sampling sampling, LanguageModel model, ServedTarget target, OpenAiOptions options)
    {
        if (r.MaxTokens is not null && r.MaxCompletionTokens is not null)
            throw new OpenAiRequestException("max_tokens", "give max_tokens or max_completion_tokens, not both");
        int top = 0;
        if (r.TopLogprobs is { } k)
        {
            if (!r.Logprobs) throw new OpenAiRequestException("top_logprobs", "top_logprobs needs logprobs: true");
            top = Sampling.TopCount("top_logprobs", k);
        }
        var prompt = PromptBuilder.FromMessages(model, target, r.Messages);
        int? asked = r.MaxCompletionTokens ?? r.MaxTokens;
        if (asked is < 1) throw new OpenAiRequestException("max_tokens", $"max_tokens must be at least 1, got {asked}");
        int maxTokens = asked ?? Math.Max(1, Math.Min(DefaultMaxTokens, model.Config.ContextLength - prompt.Ids.Length));
        return new ServePlan(target.ModelId, [prompt], sampling.Choices, maxTokens, sampling.Temperature, sampling.TopP, sampling.Seed,
            top, null, sampling.Stops);
    }

    private static async Task<IResult> AnswerAsync(ChatCompletionRequest r, ServeSession s)
    {
        int n = s.Plan.Choices;
        var texts = Enumerable.Range(0, n).Select(_ => new StringBuilder()).ToArray();
        var reasons = new string[n];
        var counts = new int[n];
        var logprobs = Enumerable.Range(0, n).Select(_ => new List<ChatTokenLogprobView>()).ToArray();
        await s.RunAsync(e =>
        {
            switch (e)
            {
                case TokenSampled t:
                    texts[t.Token.Choice].Append(t.Text);
                    if (r.Logprobs && t.Token.Id != s.Tokenizing.EosId) logprobs[t.Token.Choice].Add(s.Tokens.Chat(t.Token, s.Plan.TopLogprobs));
                    break;
                case ChoiceEnded end:
                    texts[end.Choice].Append(end.Text);
                    reasons[end.Choice] = end.FinishReason;
                    counts[end.Choice] = end.CompletionTokens;
                    break;
            }
            return ValueTask.CompletedTask;
        });
        var choices = Enumerable.Range(0, n).Select(c => new ChatChoiceView(c, new ChatMessageView("assistant", texts[c].ToString(), null),
            r.Logprobs ? new ChatLogprobsView(logprobs[c], null) : null, reasons[c])).ToList();
        return TypedResults.Json(new ChatCompletionView(s.Id, "chat.completion", s.Created, s.Target.Name, null, choices,
            s.UsageView(counts.Sum())), OpenAiJson.Options);
    }

    /// <summary>
    /// One chunk per choice to open it (role), one per token (its released text; a token whose text is held back
    /// sends a chunk only when it carries log-probs), one to close it (finish_reason), then the usage chunk when
    /// stream_options.include_usage, then [DONE].
    /// </summary>
    private static async Task<IResult> StreamAsync(ChatCompletionRequest r, ServeSession s)
    {
        var sse = new SseWriter(s.Http.Response);
        var ct = s.Aborted;
        int completion = 0;
        ChatChunkView Chunk(ChatChunkChoiceView choice) =>
            new(s.Id, "chat.completion.chunk", s.Created, s.Target.Name, null, [choice], null);
        await StreamErrors.RunAsync(sse, s, async () =>
        {
            await s.RunAsync(async e =>
            {
                switch (e)
                {
                    case TokenSampled t:
                        bool scored = r.Logprobs && t.Token.Id != s.Tokenizing.EosId;
                        if (t.Text.Length == 0 && !scored) break;
                        var logprobs = scored ? new ChatLogprobsView([s.Tokens.Chat(t.Token, s.Plan.TopLogprobs)], null) : null;
                        await sse.WriteAsync(Chunk(new ChatChunkChoiceView(t.Token.Choice, new ChatDeltaView(null, t.Text), logprobs, null)), ct);
                        break;
                    case ChoiceEnded end:
                        completion += end.CompletionTokens;
                        if (end.Text.Length > 0)
                            await sse.WriteAsync(Chunk(new ChatChunkChoiceView(end.Choice, new ChatDeltaView(null, end.Text), null, null)), ct);
                        await sse.WriteAsync(Chunk(new ChatChunkChoiceView(end.Choice, new ChatDeltaView(null, null), null, end.FinishReason)), ct);
                        break;
                }
            }, leased: async () =>
            {
                await sse.StartAsync(ct);
                for (int c = 0; c < s.Plan.Choices; c++)
                    await sse.WriteAsync(Chunk(new ChatChunkChoiceView(c, new ChatDeltaView("assistant", ""), null, null)), ct);
            });
            if (r.StreamOptions?.IncludeUsage == true)
                await sse.WriteAsync(new ChatChunkView(s.Id, "chat.completion.chunk", s.Created, s.Target.Name, null, [],
                    s.UsageView(completion)), ct);
            await sse.DoneAsync(ct);
        });
        return Results.Empty;
    }
}
