using LeapEngine.Core.BlackBox.Client;
using LeapEngine.Core.BlackBox.Scoring;

namespace LeapEngine.Core.BlackBox.Probe;

/// <summary>
/// Measures what an endpoint offers with a handful of tiny calls (at most 10): chat logprobs and
/// the largest top_logprobs it takes (20, else 5, else none), completions echo, vLLM's
/// prompt_logprobs and /tokenize, and whether temperature 0 repeats itself (three identical
/// calls). A feature the endpoint refuses (4xx) or answers without is recorded as missing with
/// the reason; an endpoint that cannot be reached at all fails the probe.
/// </summary>
public static class EndpointProbe
{
    /// <summary>The most calls a probe makes: what hosts reserve and budget for it.</summary>
    public const int MaxCalls = 10;

    private const string ProbeText = "Once upon a time, there was a little";
    private static readonly int[] TopKTries = [20, 5];

    public static async Task<EndpointCapabilities> RunAsync(EndpointClient client, CancellationToken ct = default)
    {
        var notes = new List<string>();
        long before = client.Budget.Used;
        string model = client.Spec.Model;
        var messages = new[] { new ChatMessage("user", ProbeText) };

        // Chat with the largest top_logprobs the endpoint takes.
        int topK = 0;
        bool chatLogprobs = false;
        ChatRequest? repeatable = null;
        string? firstText = null;
        foreach (int k in TopKTries)
        {
            var request = new ChatRequest { Model = model, Messages = messages, MaxTokens = 8, Temperature = 0, Seed = 0, Logprobs = true, TopLogprobs = k };
            var answer = await TryAsync(() => client.ChatAsync(request, ct), $"chat with top_logprobs {k}", notes);
            if (answer?.Choices?.FirstOrDefault() is not { } choice) continue;
            repeatable = request;
            firstText = choice.Message?.Content;
            if (choice.Logprobs?.Content is { Count: > 0 } content)
            {
                chatLogprobs = true;
                topK = Math.Min(k, content.Max(c => c.TopLogprobs?.Count ?? 0));
                if (topK == 0) notes.Add($"chat with top_logprobs {k}: answered without top log-probs");
            }
            else notes.Add($"chat with top_logprobs {k}: answered without logprobs.content");
            break;
        }
        if (repeatable is null)
        {
            var plain = new ChatRequest { Model = model, Messages = messages, MaxTokens = 8, Temperature = 0, Seed = 0 };
            if (await TryAsync(() => client.ChatAsync(plain, ct), "chat without logprobs", notes) is { } answer)
            {
                repeatable = plain;
                firstText = answer.Choices?.FirstOrDefault()?.Message?.Content;
            }
        }

        var echo = await TryAsync(() => client.CompletionAsync(new CompletionRequest
            { Model = model, Prompt = ProbeText, MaxTokens = 1, Temperature = 0, Echo = true, Logprobs = 1 }, ct), "completions with echo", notes);
        bool echoes = echo?.Choices?.FirstOrDefault() is { } e && EchoesPrompt(e, ProbeText.Length, notes);

        var prompt = await TryAsync(() => client.CompletionAsync(new CompletionRequest
            { Model = model, Prompt = ProbeText, MaxTokens = 1, Temperature = 0, PromptLogprobs = 0 }, ct), "completions with prompt_logprobs", notes);
        bool promptLogprobs = prompt?.Choices?.FirstOrDefault()?.PromptLogprobs is { Count: > 1 };
        if (prompt is not null && !promptLogprobs) notes.Add("completions with prompt_logprobs: answered without prompt_logprobs");

        var tokens = await TryAsync(() => client.TokenizeAsync(new TokenizeRequest(model, ProbeText), ct), "tokenize", notes);
        bool tokenize = tokens?.Tokens is { Count: > 0 };

        bool? deterministic = null;
        if (repeatable is not null)
        {
            deterministic = true;
            for (int i = 0; i < 2 && deterministic == true; i++)
            {
                var again = await client.ChatAsync(repeatable, ct);
                deterministic = again.Choices?.FirstOrDefault()?.Message?.Content == firstText;
            }
            if (deterministic == false) notes.Add("temperature 0 gave different completions for the same messages: expect a noise floor above 0");
        }
        else notes.Add("no chat route answered: determinism not measured");

        return new EndpointCapabilities
        {
            ChatLogprobs = chatLogprobs, TopLogprobs = topK, CompletionsEcho = echoes, PromptLogprobs = promptLogprobs, Tokenize = tokenize,
            DeterministicAtTemperatureZero = deterministic, Notes = notes, Calls = client.Budget.Used - before,
        };
    }

    /// <summary>Whether an echo answer covers the prompt with tokens, text offsets and log-probs (all but the first token's).</summary>
    private static bool EchoesPrompt(CompletionChoice choice, int promptChars, List<string> notes)
    {
        var lp = choice.Logprobs;
        bool ok = lp?.Tokens is { Count: > 1 } tokens && lp.TokenLogprobs is { } values && lp.TextOffset is { } offsets
                  && values.Count == tokens.Count && offsets.Count == tokens.Count
                  && offsets.Count(o => o < promptChars) >= 2 && values.Skip(1).Take(offsets.Count(o => o < promptChars) - 1).All(v => v is not null);
        if (!ok) notes.Add("completions with echo: the answer does not echo the prompt's tokens with log-probs and text offsets");
        return ok;
    }

    /// <summary>The answer, or null with a note when the endpoint refuses the feature or answers in another shape.</summary>
    private static async Task<T?> TryAsync<T>(Func<Task<T>> call, string what, List<string> notes) where T : class
    {
        try { return await call(); }
        catch (EndpointException x) when (x.Failure is EndpointFailure.Rejected or EndpointFailure.BadResponse)
        {
            notes.Add($"{what}: {x.Message}");
            return null;
        }
    }
}
