using System.Diagnostics;
using LeapEngine.Core.Runtime;
using static TorchSharp.torch;

namespace LeapEngine.Core.Optimisation;

/// <summary>
/// Bookkeeping shared by the searches: verifies each step's prompts, records distinct
/// successes, reports progress per step, and builds the result after a final re-check.
/// </summary>
internal sealed class SearchLog
{
    private readonly OptimisationProblem _problem;
    private readonly PromptVerifier _verifier;
    private readonly IProgress<ProgressUpdate>? _progress;
    private readonly CancellationToken _ct;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<PromptSuccess> _successes = new();
    private readonly HashSet<string> _recorded = new();
    private readonly List<float> _bestNll = new();

    public SearchLog(OptimisationProblem problem, PromptVerifier verifier, IProgress<ProgressUpdate>? progress, CancellationToken ct)
    {
        _problem = problem;
        _verifier = verifier;
        _progress = progress;
        _ct = ct;
    }

    public int Steps { get; private set; }
    public int BackwardPasses { get; private set; }
    public long SequencesScored { get; private set; }
    /// <summary>Forward-token equivalents spent so far (see <see cref="OptimisationResult.Work"/>).</summary>
    public long Work { get; private set; }
    /// <summary>GCG steps (per candidate) that took a descent proposal (interleaved hybrids).</summary>
    public long ProposalsTaken { get; set; }
    public long ProposalsOffered { get; set; }
    /// <summary>GCG candidates the reseed hybrid restarted after stalling.</summary>
    public long Reseeds { get; set; }
    public bool Done => _successes.Count >= _problem.Request.StopAfterSuccesses;

    /// <summary>Throws when cancelled: called before each step, so cancellation stops within one step.</summary>
    public void BeforeStep() => _ct.ThrowIfCancellationRequested();

    /// <summary>Counts a forward and backward pass over <paramref name="sequences"/> loss sequences (a backward costs about two forwards).</summary>
    public void CountGradientPass(long sequences)
    {
        BackwardPasses++;
        Work += 3 * sequences * _problem.LossTokens;
    }

    /// <summary>Counts <paramref name="sequences"/> loss sequences scored forward only.</summary>
    public void CountScored(long sequences)
    {
        SequencesScored += sequences;
        Work += sequences * _problem.LossTokens;
    }

    /// <summary>
    /// Whether a step whose search costs <paramref name="stepWork"/> (plus, at worst, a fresh
    /// verification of every candidate) still fits <paramref name="share"/> of the request's
    /// work and time budgets. Always true without budgets.
    /// </summary>
    public bool Fits(long stepWork, double share = 1)
    {
        var request = _problem.Request;
        long worst = Work + stepWork + request.Candidates * _verifier.WorkPerPrompt;
        if (request.MaxWork is { } work && worst > share * work)
        {
            _budgetHit = WorkBudget;
            return false;
        }
        if (request.MaxSeconds is not { } seconds || _clock.Elapsed.TotalSeconds < share * seconds) return true;
        _budgetHit = TimeBudget;
        return false;
    }

    private const string Found = "found", StepsRanOut = "steps", WorkBudget = "work_budget", TimeBudget = "time_budget";
    private string? _budgetHit;

    /// <summary>What ended the search (<see cref="OptimisationResult.StopReason"/>).</summary>
    private string StopReason() => Done ? Found : Steps >= _problem.Request.Steps ? StepsRanOut : _budgetHit ?? StepsRanOut;

    /// <summary>The result's plain sentence: a search that found nothing says so, and what to change.</summary>
    private string Summary(string reason, int kept)
    {
        var request = _problem.Request;
        string ended = reason switch
        {
            WorkBudget => $"at its work budget of {request.MaxWork} forward-token equivalents after {Steps} of {request.Steps} steps (raise max_work)",
            TimeBudget => $"at its time budget of {request.MaxSeconds} s after {Steps} of {request.Steps} steps (raise max_seconds)",
            _ => $"after all {Steps} steps (raise steps, or try another seed or method)",
        };
        if (kept > 0) return reason == Found ? $"{kept} verified prompt(s) found" : $"{kept} verified prompt(s) found; the search stopped {ended}";
        return _successes.Count > 0
            ? $"no verified prompt: the {_successes.Count} prompt(s) found did not say the target again on the final re-check"
            : $"no verified prompt found: the search stopped {ended}";
    }

    /// <summary>
    /// Verifies a step's spans [B, length]; records new successes; returns the candidate rows
    /// that succeeded (to be restarted so the search looks for other prompts).
    /// </summary>
    public List<int> AfterStep(string phase, Tensor spanIds, float[] targetNll)
    {
        Steps++;
        var spans = Rows(spanIds);
        int generatedBefore = _verifier.Generated;
        var verdicts = _verifier.Verify(spans, _ct);
        Work += (_verifier.Generated - generatedBefore) * _verifier.WorkPerPrompt;
        var succeeded = new List<int>();
        for (int b = 0; b < spans.Length; b++)
        {
            if (!verdicts[b].Success) continue;
            succeeded.Add(b);
            if (!Done && _recorded.Add(string.Join(',', spans[b])))
                _successes.Add(_verifier.Describe(spans[b], verdicts[b], Steps, phase, _clock.Elapsed.TotalSeconds) with { Work = Work });
        }
        _bestNll.Add(targetNll.Min());
        _progress?.Report(Progress(phase, targetNll.Min()));
        return succeeded;
    }

    /// <summary>
    /// Progress against the work budget when there is one (a budgeted search usually ends on
    /// it, not on its steps), else against the steps.
    /// </summary>
    private ProgressUpdate Progress(string phase, float bestNll)
    {
        var request = _problem.Request;
        var message = $"{phase}: step {Steps}, best target NLL {bestNll:F3}, {_successes.Count} verified prompt(s)";
        return request.MaxWork is { } budget
            ? new ProgressUpdate(Math.Min(Work, budget), budget, WorkUnit, message)
            : new ProgressUpdate(Steps, request.Steps, "steps", message);
    }

    /// <summary>The progress unit of a work budget.</summary>
    public const string WorkUnit = "forward-token equivalents";

    /// <summary>Re-generates every recorded prompt from its ids; only those that still say the target (the same way) are reported.</summary>
    public OptimisationResult Finish()
    {
        var rechecks = _verifier.Recheck(_successes.Select(s => s.PromptIds).ToList(), _ct);
        var kept = _successes.Where((s, i) => rechecks[i].Success && rechecks[i].GeneratedIds.SequenceEqual(s.GeneratedIds)).ToList();
        var request = _problem.Request;
        var reason = StopReason();
        return new OptimisationResult
        {
            ModelId = _problem.Model.Id,
            Target = request.Target,
            TargetIds = _problem.TargetIds,
            Method = request.Search.Method,
            Seed = request.Seed,
            Successes = kept,
            StepsRun = Steps,
            FirstSuccessStep = kept.Count > 0 ? kept[0].Step : null,
            SecondsToFirstSuccess = kept.Count > 0 ? kept[0].SecondsElapsed : null,
            Seconds = _clock.Elapsed.TotalSeconds,
            BestTargetNllPerStep = _bestNll.ToArray(),
            PromptsVerified = _verifier.Generated,
            BackwardPasses = BackwardPasses,
            SequencesScored = SequencesScored,
            ProposalsTaken = ProposalsTaken,
            ProposalsOffered = ProposalsOffered,
            Reseeds = Reseeds,
            Work = Work,
            StoppedByBudget = Steps < request.Steps && _successes.Count < request.StopAfterSuccesses,
            StopReason = reason,
            Summary = Summary(reason, kept.Count),
            AllowedTokens = _problem.AllowedIds.Length,
        };
    }

    private static int[][] Rows(Tensor ids)
    {
        var flat = ids.cpu().data<long>().ToArray();
        int length = (int)ids.shape[1];
        return Enumerable.Range(0, (int)ids.shape[0])
            .Select(b => flat.Skip(b * length).Take(length).Select(x => (int)x).ToArray()).ToArray();
    }
}
