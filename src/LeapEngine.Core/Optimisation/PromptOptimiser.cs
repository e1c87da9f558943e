using LeapEngine.Core.Runtime;
using static TorchSharp.torch;

namespace LeapEngine.Core.Optimisation;

/// <summary>
/// Finds discrete prompts that make a model say a target: embedding descent, GCG, or the
/// hybrid (sequential: descent, then GCG from the descent readout; chain or anchored: GCG with
/// descent's readouts among its exactly scored trials). The entry point jobs and the CLI call.
/// </summary>
public static class PromptOptimiser
{
    /// <summary>
    /// Runs the search. Progress is reported once per step: against the work budget (unit
    /// "forward-token equivalents") when <see cref="OptimisationRequest.MaxWork"/> is set, else
    /// against the steps (unit "steps"); cancellation throws
    /// <see cref="OperationCanceledException"/> within one step. Invalid requests throw
    /// <see cref="ArgumentException"/> before any work. The same request and seed give the same result.
    /// </summary>
    public static OptimisationResult Run(LanguageModel model, OptimisationRequest request,
        IProgress<ProgressUpdate>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(request);
        using var problem = new OptimisationProblem(model, request);
        using var random = new SeededRandom(request.Seed);
        using var init = new Initialiser(problem, random);
        var log = new SearchLog(problem, new PromptVerifier(problem), progress, ct);
        int descentSteps = DescentSteps(request);
        int candidates = request.Candidates;

        // Worst-case search work of one step (verification is added by SearchLog.Fits).
        long descentWork = problem.Cost.DescentStep;
        long gcgWork = problem.Cost.GcgStep;
        // The hybrid's descent gets its share of a budget as well as of the steps.
        double descentShare = request.Method == OptimisationMethod.Hybrid ? request.HybridDescentFraction : 1;
        bool interleaved = Interleaved(request);

        var pool = request.Method == OptimisationMethod.Hybrid && request.HybridBestReadouts ? new ReadoutPool() : null;

        if (request.Method == OptimisationMethod.Hybrid && request.HybridVariant == HybridVariant.Reseed)
        {
            ReseedHybrid.Search(problem, log, init, random);
            return log.Finish();
        }
        Tensor? handoff = null;
        try
        {
            if (descentSteps > 0)
            {
                using var start = init.Directions(candidates);
                using var descent = new EmbeddingDescent(problem, start);
                while (log.Steps < descentSteps && !log.Done && log.Fits(descentWork, descentShare))
                {
                    log.BeforeStep();
                    using var scope = NewDisposeScope();
                    var (ids, _, nll) = descent.Step();
                    log.CountGradientPass(candidates);
                    if (pool is not null)
                    {
                        pool.Add(ids, problem.LossOfIds(ids).Total);
                        log.CountScored(candidates);
                    }
                    var restart = log.AfterStep("descent", ids, nll);
                    if (restart.Count > 0) descent.Restart(restart, init.Directions(restart.Count));
                }
                if (descentSteps < request.Steps)
                {
                    using var last = descent.Readout();
                    handoff = pool is null ? last.clone() : pool.Best(candidates, last);
                }
            }
            if (descentSteps < request.Steps && !log.Done)
            {
                using var start = handoff ?? init.Ids(candidates);
                using var gcg = new GreedyCoordinateGradient(problem, random, start);
                using var proposer = interleaved ? NewProposer(problem, init, candidates, request, random) : null;
                while (log.Steps < request.Steps && !log.Done && log.Fits(gcgWork))
                {
                    log.BeforeStep();
                    using var scope = NewDisposeScope();
                    Tensor? proposals = null;
                    if (proposer is not null)
                    {
                        proposals = proposer.Propose(gcg.Current(), request.HybridDescentSteps, request.HybridNearestTokens);
                        for (int s = 0; s < request.HybridDescentSteps; s++) log.CountGradientPass(candidates);
                    }
                    var (ids, _, nll) = gcg.Step(proposals);
                    log.CountGradientPass(candidates);
                    log.CountScored((long)candidates * request.SearchWidth);
                    var restart = log.AfterStep(proposer is null ? "gcg" : "hybrid", ids, nll);
                    if (restart.Count > 0) gcg.Restart(restart, init.Ids(restart.Count));
                }
                (log.ProposalsOffered, log.ProposalsTaken) = (gcg.ProposalsOffered, gcg.ProposalsTaken);
            }
        }
        finally
        {
            handoff?.Dispose();
        }
        return log.Finish();
    }

    /// <summary>Steps of embedding descent before GCG takes over (all of them for descent, none for GCG and the interleaved hybrids).</summary>
    public static int DescentSteps(OptimisationRequest request) => request.Method switch
    {
        OptimisationMethod.Descent => request.Steps,
        OptimisationMethod.Gcg => 0,
        _ when Interleaved(request) => 0,
        _ => request.Steps == 1 ? 1 : Math.Clamp((int)Math.Round(request.Steps * request.HybridDescentFraction), 1, request.Steps - 1),
    };

    /// <summary>Hybrids without a descent phase of their own (descent runs beside GCG throughout).</summary>
    private static bool Interleaved(OptimisationRequest request) =>
        request.Method == OptimisationMethod.Hybrid && request.HybridVariant != HybridVariant.Sequential;

    private static DescentProposer NewProposer(OptimisationProblem problem, Initialiser init, int candidates, OptimisationRequest request, SeededRandom random)
    {
        using var start = init.Directions(candidates);
        return new DescentProposer(problem, start, request.HybridVariant == HybridVariant.Anchored, request.AblateRandomProposals ? random : null);
    }
}
