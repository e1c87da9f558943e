using LeapEngine.Core.BlackBox.Client;

namespace LeapEngine.Core.BlackBox.Scoring;

/// <summary>The completion being explained: its text and its per-position scores after the unperturbed prompt.</summary>
public sealed record CompletionReading(string Text, IReadOnlyList<string> Tokens, double[] LogProbs, bool Generated);

/// <summary>
/// One scoring mode against an endpoint: establishes the completion once, then scores it after
/// perturbed messages (one call each). Implementations are thread-safe once established.
/// </summary>
public interface ICompletionReader
{
    ScoringMode Mode { get; }

    /// <summary>
    /// The completion after the unperturbed <paramref name="messages"/>: <paramref name="given"/>
    /// if the caller gave one (scored), else the endpoint's own temperature-0 completion of at most
    /// <paramref name="maxNewTokens"/> tokens.
    /// </summary>
    Task<CompletionReading> EstablishAsync(IReadOnlyList<ChatMessage> messages, string? given, int maxNewTokens, CancellationToken ct);

    /// <summary>The completion's per-position scores after <paramref name="messages"/> (same length as the reading's).</summary>
    Task<double[]> ScoreAsync(IReadOnlyList<ChatMessage> messages, CancellationToken ct);

    /// <summary>Calls one <see cref="EstablishAsync"/> makes (the plan counts them).</summary>
    int EstablishCalls(bool completionGiven);
}
