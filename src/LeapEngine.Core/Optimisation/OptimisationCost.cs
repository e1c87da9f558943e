using LeapEngine.Core.Optimisation.Options;
using LeapEngine.Core.Optimisation.Methods;
using LeapEngine.Core.Runtime;

namespace LeapEngine.Core.Optimisation;

/// <summary>
/// The work model of a prompt search, in forward-token equivalents (<see cref="OptimisationResult.Work"/>):
/// what one step of each kind costs at worst, which a search checks against its budget before
/// taking the step, and the bounds a host reserves from. The one place these formulas live.
/// Built from token counts alone (no tensors), so an API can price a request without loading
/// the search.
/// </summary>
public sealed class OptimisationCost
{
    private readonly OptimisationRequest _request;
    private readonly int _context, _suffix, _target;

    public OptimisationCost(OptimisationRequest request, int contextTokens, int suffixTokens, int targetTokens)
    {
        _request = request;
        (_context, _suffix, _target) = (contextTokens, suffixTokens, targetTokens);
    }

    /// <summary>The cost of a request on a model: tokenises the prefix, suffix and target, nothing more.</summary>
    public static OptimisationCost For(LanguageModel model, OptimisationRequest request) =>
        new(request, TextPieces.Context(model, request.Prefix).Length, model.ContinuationIds(request.Suffix).Length,
            model.ContinuationIds(request.Target).Length);

    private long Candidates => _request.Candidates;

    /// <summary>Tokens in one loss sequence: context, span, suffix and the teacher-forced target (all but its last token).
    /// With a target window k, one pass per offset j = 0..k, each j tokens longer.</summary>
    public int LossTokens => (_request.TargetWindow + 1) * (_context + _request.Length + _suffix + _target - 1)
                             + _request.TargetWindow * (_request.TargetWindow + 1) / 2;

    /// <summary>Tokens a verifying generation may produce: the target's, plus the extra ones unless the continuation must be exact.</summary>
    public int VerifyNewTokens => _target + (_request.ExactContinuation ? 0 : _request.ExtraVerifyTokens);

    /// <summary>Work of verifying one new prompt: its prefill plus every token it may generate.</summary>
    public long VerifyWorkPerPrompt => _context + _request.Length + _suffix + VerifyNewTokens;

    /// <summary>Forward and backward over every candidate's loss sequence (a backward costs about two forwards).</summary>
    public long GradientPass => 3 * Candidates * LossTokens;

    /// <summary>Work of scoring <paramref name="sequences"/> loss sequences forward only.</summary>
    public long Scored(long sequences) => sequences * LossTokens;

    /// <summary>A descent step (the sequential hybrid's pool of best readouts also scores each readout).</summary>
    public long DescentStep => GradientPass + (_request.Search is SequentialHybridOptions { BestReadouts: true } ? Scored(Candidates) : 0);

    /// <summary>
    /// A GCG step: its gradient pass and exact scoring of the search width per candidate (the chain, anchored and reseed
    /// hybrids add their descent steps per GCG step). Descent alone takes no GCG step: its search width is GCG's default.
    /// </summary>
    public long GcgStep => GradientPass + Scored(Candidates * Gcg.SearchWidth)
                           + (_request.Search is HybridOptions hybrid ? hybrid.DescentStepsPerGcgStep * GradientPass : 0);

    /// <summary>A descent step of the reseed hybrid: its gradient pass and the exact scores of its readouts.</summary>
    public long ReseedDescentStep => GradientPass + Scored(Candidates);

    /// <summary>Verifying every candidate of a step afresh (repeats are looked up, so this is the worst case).</summary>
    public long VerifyStep => Candidates * VerifyWorkPerPrompt;

    /// <summary>The search's work if every step costs its worst: what <see cref="OptimisationRequest.Steps"/> alone allows.</summary>
    public long WorstCaseSearch => _request.Steps * (PromptSearchMethods.For(_request.Search).StepWork(this, _request.Search) + VerifyStep);

    /// <summary>
    /// Work done beside the counted search, bounded per reported prompt: its description (the
    /// target's log-probability and the span's perplexity, a forward over the full sequence each)
    /// and the final re-check (a fresh verifying generation).
    /// </summary>
    public long AfterSearch => _request.StopAfterSuccesses * (VerifyWorkPerPrompt + 2L * SequenceTokens);

    /// <summary>Context, span, suffix and target: the longest sequence the search runs through the model.</summary>
    public int SequenceTokens => _context + _request.Length + _suffix + _target;

    /// <summary>Upper bound of the whole run: the search (its steps' worst case, or the work budget when smaller) plus <see cref="AfterSearch"/>.</summary>
    public long MaxTotal(long? workBudget) => Math.Min(WorstCaseSearch, workBudget ?? long.MaxValue) + AfterSearch;

    private GcgOptions Gcg => _request.Search switch
    {
        GcgOptions gcg => gcg,
        HybridOptions hybrid => hybrid.Gcg,
        _ => DefaultGcg,
    };

    private static readonly GcgOptions DefaultGcg = new();
}
