using LeapEngine.Core.Optimisation.Options;
using static TorchSharp.torch;

namespace LeapEngine.Core.Optimisation.Methods;

/// <summary>The two searches the methods compose: a descent phase and a GCG phase, each stepping until the log stops it.</summary>
internal static class SearchPhases
{
    /// <summary>
    /// Up to <paramref name="steps"/> descent steps of <paramref name="options"/> within <paramref name="budgetShare"/> of a work budget. With
    /// <paramref name="handOff"/>, returns the span GCG should start from (the last readout, or the best distinct
    /// readouts of <paramref name="pool"/> when it collects them); the caller disposes it.
    /// </summary>
    public static Tensor? Descent(SearchRun run, DescentOptions options, int steps, double budgetShare, ReadoutPool? pool, bool handOff)
    {
        var (problem, log, init) = (run.Problem, run.Log, run.Init);
        int candidates = run.Request.Candidates;
        long stepWork = problem.Cost.DescentStep;   // worst case of one step (verification is added by SearchLog.Fits)
        using var start = init.Directions(candidates);
        using var descent = new EmbeddingDescent(problem, options, start);
        while (log.Steps < steps && !log.Done && log.Fits(stepWork, budgetShare))
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
        if (!handOff) return null;
        using var last = descent.Readout();
        return pool is null ? last.clone() : pool.Best(candidates, last);
    }

    /// <summary>
    /// GCG of <paramref name="options"/> until the request's steps (counted across phases) or the log stop it, from
    /// <paramref name="handoff"/> or fresh initial tokens. With <paramref name="interleaved"/> (the chain and anchored
    /// hybrids): a descent proposer beside it offers tokens near where its own steps land, among GCG's exactly scored trials.
    /// </summary>
    public static void Gcg(SearchRun run, GcgOptions options, Tensor? handoff, InterleavedHybridOptions? interleaved)
    {
        var (problem, log, init, request) = (run.Problem, run.Log, run.Init, run.Request);
        if (log.Done) return;
        int candidates = request.Candidates;
        long stepWork = problem.Cost.GcgStep;
        using var fresh = handoff is null ? init.Ids(candidates) : null;
        using var gcg = new GreedyCoordinateGradient(problem, options, run.Random, handoff ?? fresh!);
        using var proposer = interleaved is null ? null : NewProposer(run, interleaved);
        while (log.Steps < request.Steps && !log.Done && log.Fits(stepWork))
        {
            log.BeforeStep();
            using var scope = NewDisposeScope();
            Tensor? proposals = null;
            if (proposer is not null)
            {
                proposals = proposer.Propose(gcg.Current(), interleaved!.DescentSteps, interleaved.NearestTokens);
                for (int s = 0; s < interleaved.DescentSteps; s++) log.CountGradientPass(candidates);
            }
            var (ids, _, nll) = gcg.Step(proposals);
            log.CountGradientPass(candidates);
            log.CountScored((long)candidates * options.SearchWidth);
            var restart = log.AfterStep(proposer is null ? "gcg" : "hybrid", ids, nll);
            if (restart.Count > 0) gcg.Restart(restart, init.Ids(restart.Count));
        }
        (log.ProposalsOffered, log.ProposalsTaken) = (gcg.ProposalsOffered, gcg.ProposalsTaken);
    }

    private static DescentProposer NewProposer(SearchRun run, InterleavedHybridOptions options)
    {
        using var start = run.Init.Directions(run.Request.Candidates);
        return new DescentProposer(run.Problem, options, start, options.AblateRandomProposals ? run.Random : null);
    }
}
