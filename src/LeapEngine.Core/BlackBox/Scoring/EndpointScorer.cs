using LeapEngine.Core.Attribution;
using LeapEngine.Core.BlackBox.Client;
using LeapEngine.Core.BlackBox.Prompt;

namespace LeapEngine.Core.BlackBox.Scoring;

/// <summary>
/// The black-box <see cref="IAttributionScorer"/>: a unit set becomes perturbed messages, each
/// scored by one endpoint call (all of a batch in flight together, the endpoint's gate bounding
/// how many at once). ItP and HiPe run on it unchanged. Synchronous like the white-box scorer:
/// a job runs on a worker thread and blocks it for the batch.
/// </summary>
public sealed class EndpointScorer : IAttributionScorer
{
    private readonly ICompletionReader _reader;
    private readonly IReadOnlyList<ChatMessage> _messages;
    private readonly TextPerturbation _perturbation;
    private readonly EvaluationProgress _progress;
    private readonly CancellationToken _ct;
    private long _evaluations;

    public EndpointScorer(ICompletionReader reader, IReadOnlyList<ChatMessage> messages, IReadOnlyList<MessageUnit> units,
        TextPerturbation perturbation, CompletionReading completion, EvaluationProgress progress, CancellationToken ct)
    {
        _reader = reader;
        _messages = messages;
        Units = units;
        _perturbation = perturbation;
        Completion = completion;
        _progress = progress;
        _ct = ct;
    }

    public IReadOnlyList<MessageUnit> Units { get; }
    public CompletionReading Completion { get; }
    public int UnitCount => Units.Count;
    public IReadOnlyList<double> CompletionTokenLogProbs => Completion.LogProbs;
    public double BaseLogProb => Completion.LogProbs.Sum();
    /// <summary>Perturbed prompts scored (one call each, retries not counted).</summary>
    public long Evaluations => Interlocked.Read(ref _evaluations);

    public CompletionDrop[] Score(IReadOnlyList<IReadOnlyList<int>> unitSets, string? message = null)
    {
        var prompts = unitSets.Select(set => _perturbation.Apply(_messages, Units, set)).ToList();
        return Evaluate(prompts, message).Select(Drop).ToArray();
    }

    /// <summary>The completion's per-position scores after arbitrary messages, counted and reported like the rest.</summary>
    public double[][] Evaluate(IReadOnlyList<IReadOnlyList<ChatMessage>> prompts, string? message = null)
    {
        _progress.Plan(prompts.Count, message);
        return Task.WhenAll(prompts.Select(async p =>
        {
            var scores = await _reader.ScoreAsync(p, _ct);
            Interlocked.Increment(ref _evaluations);
            lock (_progress) _progress.Advance(1);
            return scores;
        })).GetAwaiter().GetResult();
    }

    public CompletionDrop Drop(double[] scores) => CompletionDrop.Between(Completion.LogProbs, scores);
}
