using LeapEngine.Core.Runtime;

namespace LeapEngine.Core.Attribution;

/// <summary>
/// The effect of one perturbation on the completion, per output token: the drop in
/// log-probability (original − perturbed) and in probability. Positive = the perturbed part
/// supported the completion.
/// </summary>
public sealed record CompletionDrop(double[] LogProb, double[] Probability)
{
    public double Total => LogProb.Sum();
    public double ProbabilityTotal => Probability.Sum();

    /// <summary>The drop from <paramref name="original"/> to <paramref name="perturbed"/> log-probs, position by position.</summary>
    public static CompletionDrop Between(IReadOnlyList<double> original, IReadOnlyList<double> perturbed)
    {
        if (original.Count != perturbed.Count)
            throw new ArgumentException($"{perturbed.Count} perturbed scores for a completion of {original.Count} positions");
        return new(original.Select((b, j) => b - perturbed[j]).ToArray(),
            original.Select((b, j) => Math.Exp(b) - Math.Exp(perturbed[j])).ToArray());
    }
}

/// <summary>
/// Counts evaluations done against those planned and reports them in <paramref name="unit"/>:
/// "forward passes" for the network in this process, "calls" for an endpoint.
/// </summary>
public sealed class EvaluationProgress(IProgress<ProgressUpdate>? progress, string unit = EvaluationProgress.ForwardPasses)
{
    public const string ForwardPasses = "forward passes";
    public const string Calls = "calls";
    public string Unit => unit;
    public long Done { get; private set; }
    public long Planned { get; private set; }

    /// <summary>Adds work to the plan (HiPe plans stage by stage, so the total can grow).</summary>
    public void Plan(long evaluations, string? message = null)
    {
        Planned += evaluations;
        progress?.Report(new ProgressUpdate(Done, Planned, Unit, message));
    }

    public void Advance(long evaluations)
    {
        Done += evaluations;
        progress?.Report(new ProgressUpdate(Done, Planned, Unit));
    }
}

/// <summary>
/// The white-box scorer: perturbs the units' tokens together, teacher-forces the completion
/// through the network in this process and returns the drop against the unperturbed prompt.
/// </summary>
public sealed class PerturbationScorer : IAttributionScorer
{
    private readonly Perturber _perturber;
    private readonly EvaluationProgress _progress;

    public PerturbationScorer(Perturber perturber, PerturbationEvaluator evaluator, IReadOnlyList<AttributionUnit> units,
        EvaluationProgress progress, CancellationToken ct)
    {
        _perturber = perturber;
        Evaluator = evaluator;
        Units = units;
        _progress = progress;
        Cancellation = ct;
        BaseLogProbs = Evaluate([perturber.Apply([])], "scoring the unperturbed prompt")[0];
    }

    public PerturbationEvaluator Evaluator { get; }
    public IReadOnlyList<AttributionUnit> Units { get; }
    public CancellationToken Cancellation { get; }
    /// <summary>Log-probability of each completion token after the original prompt.</summary>
    public float[] BaseLogProbs { get; }
    public double BaseLogProb => BaseLogProbs.Sum(x => (double)x);
    public int UnitCount => Units.Count;
    IReadOnlyList<double> IAttributionScorer.CompletionTokenLogProbs => Array.ConvertAll(BaseLogProbs, x => (double)x);

    /// <summary>Drops for perturbing each given set of units (unit indices) together.</summary>
    public CompletionDrop[] Score(IReadOnlyList<IReadOnlyList<int>> unitSets, string? message = null)
    {
        var prompts = unitSets.Select(set => _perturber.Apply(set.SelectMany(u => Units[u].Tokens))).ToList();
        return Evaluate(prompts, message).Select(Drop).ToArray();
    }

    /// <summary>Completion log-probabilities after arbitrary prompts (counted and reported like the rest).</summary>
    public float[][] Evaluate(IReadOnlyList<PerturbedPrompt> prompts, string? message = null)
    {
        _progress.Plan(prompts.Count, message);
        return Evaluator.LogProbs(prompts, done => _progress.Advance(done), Cancellation);
    }

    public CompletionDrop Drop(float[] logProbs) => new(
        BaseLogProbs.Select((b, j) => (double)b - logProbs[j]).ToArray(),
        BaseLogProbs.Select((b, j) => Math.Exp(b) - Math.Exp(logProbs[j])).ToArray());
}
