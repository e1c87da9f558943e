using LeapEngine.Core.BlackBox.Client;

namespace LeapEngine.Core.BlackBox.Scoring;

/// <summary><see cref="ScoringMode.TextSimilarity"/>: regenerate, compare words with the original completion.</summary>
public sealed class TextSimilarityReader(EndpointClient client) : ICompletionReader
{
    /// <summary>Similarity is floored here before the log, so an unrelated answer scores ln(0.001) ≈ -6.9, not -∞.</summary>
    public const double MinSimilarity = 1e-3;

    private string? _completion;
    private int _maxTokens;

    public ScoringMode Mode => ScoringMode.TextSimilarity;
    public int EstablishCalls(bool completionGiven) => 1;

    public async Task<CompletionReading> EstablishAsync(IReadOnlyList<ChatMessage> messages, string? given, int maxNewTokens, CancellationToken ct)
    {
        var regenerated = await CallAsync(messages, maxNewTokens, ct);
        _completion = given ?? regenerated;
        _maxTokens = maxNewTokens;
        if (_completion.Length == 0) throw new EndpointException(EndpointFailure.BadResponse, "the endpoint generated no completion at temperature 0");
        return new CompletionReading(_completion, [_completion], [LogSimilarity(_completion, regenerated)], given is null);
    }

    public async Task<double[]> ScoreAsync(IReadOnlyList<ChatMessage> messages, CancellationToken ct)
    {
        var completion = _completion ?? throw new InvalidOperationException("establish the completion first");
        return [LogSimilarity(completion, await CallAsync(messages, _maxTokens, ct))];
    }

    public static double LogSimilarity(string a, string b) => Math.Log(Math.Max(MinSimilarity, Similarity(a, b)));

    /// <summary>Word-level longest-common-subsequence F1: 2 LCS / (|a| + |b|); 1 for two empty texts.</summary>
    public static double Similarity(string a, string b)
    {
        var x = a.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var y = b.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (x.Length + y.Length == 0) return 1;
        var row = new int[y.Length + 1];
        for (int i = 1; i <= x.Length; i++)
        {
            int diagonal = 0;
            for (int j = 1; j <= y.Length; j++)
            {
                int above = row[j];
                row[j] = x[i - 1] == y[j - 1] ? diagonal + 1 : Math.Max(row[j], row[j - 1]);
                diagonal = above;
            }
        }
        return 2.0 * row[y.Length] / (x.Length + y.Length);
    }

    private async Task<string> CallAsync(IReadOnlyList<ChatMessage> messages, int maxTokens, CancellationToken ct)
    {
        var response = await client.ChatAsync(new ChatRequest
        {
            Model = client.Spec.Model, Messages = messages, MaxTokens = maxTokens, Temperature = 0, Seed = 0,
        }, ct);
        return response.Choices?.FirstOrDefault()?.Message?.Content ?? "";
    }
}
