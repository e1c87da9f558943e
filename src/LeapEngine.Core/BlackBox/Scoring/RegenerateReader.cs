using LeapEngine.Core.BlackBox.Client;

namespace LeapEngine.Core.BlackBox.Scoring;

/// <summary>
/// <see cref="ScoringMode.RegenerateTopLogprobs"/>: chat completions at temperature 0 with
/// top_logprobs; each original completion token is looked up at its position (see the mode for the floor).
/// </summary>
public sealed class RegenerateReader(EndpointClient client, int topLogprobs) : ICompletionReader
{
    /// <summary>Charged when the endpoint returned no log-prob at all to take a floor from (an empty answer): ln(1e-9).</summary>
    public const double EmptyFloor = -20.723265836946414;

    private IReadOnlyList<string>? _original;

    public ScoringMode Mode => ScoringMode.RegenerateTopLogprobs;
    public int EstablishCalls(bool completionGiven) => 1;

    public async Task<CompletionReading> EstablishAsync(IReadOnlyList<ChatMessage> messages, string? given, int maxNewTokens, CancellationToken ct)
    {
        if (given is not null)
            throw new ArgumentException("regenerate_top_logprobs explains the endpoint's own completion; a given completion needs teacher_forced " +
                                        "scoring (an endpoint with completions echo or prompt_logprobs)");
        var content = await CallAsync(messages, maxNewTokens, ct);
        if (content.Count == 0) throw new EndpointException(EndpointFailure.BadResponse, "the endpoint generated no completion at temperature 0");
        _original = content.Select(c => c.Token).ToList();
        return new CompletionReading(string.Concat(_original), _original, content.Select(c => c.Logprob).ToArray(), true);
    }

    public async Task<double[]> ScoreAsync(IReadOnlyList<ChatMessage> messages, CancellationToken ct)
    {
        var original = _original ?? throw new InvalidOperationException("establish the completion first");
        return LookUp(original, await CallAsync(messages, original.Count, ct));
    }

    /// <summary>Each original token's log-prob in the regenerated positions' top-k, or the floor.</summary>
    internal static double[] LookUp(IReadOnlyList<string> original, IReadOnlyList<ChatTokenLogprob> regenerated)
    {
        var result = new double[original.Count];
        bool diverged = false;
        double floor = EmptyFloor;
        for (int j = 0; j < original.Count; j++)
        {
            if (diverged || j >= regenerated.Count)
            {
                result[j] = floor;
                continue;
            }
            var at = regenerated[j];
            var top = at.TopLogprobs ?? [];
            double lowest = top.Count > 0 ? Math.Min(top.Min(t => t.Logprob), at.Logprob) : at.Logprob;
            floor = lowest;
            if (at.Token == original[j]) result[j] = at.Logprob;
            else
            {
                var hit = top.FirstOrDefault(t => t.Token == original[j]);
                result[j] = hit is null ? lowest : hit.Logprob;
                diverged = true;
            }
        }
        return result;
    }

    private async Task<IReadOnlyList<ChatTokenLogprob>> CallAsync(IReadOnlyList<ChatMessage> messages, int maxTokens, CancellationToken ct)
    {
        var response = await client.ChatAsync(new ChatRequest
        {
            Model = client.Spec.Model, Messages = messages, MaxTokens = maxTokens, Temperature = 0, Seed = 0,
            Logprobs = true, TopLogprobs = topLogprobs,
        }, ct);
        var choice = response.Choices?.FirstOrDefault()
            ?? throw new EndpointException(EndpointFailure.BadResponse, "chat/completions: the answer has no choices");
        return choice.Logprobs?.Content
            ?? (string.IsNullOrEmpty(choice.Message?.Content) ? [] : throw new EndpointException(EndpointFailure.BadResponse,
                "chat/completions: the answer has no logprobs.content although logprobs were asked for; use text_similarity scoring"));
    }
}
