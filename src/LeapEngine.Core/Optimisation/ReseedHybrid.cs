using LeapEngine.Core.Optimisation.Options;
using static TorchSharp.torch;

namespace LeapEngine.Core.Optimisation;

/// <summary>
/// The reseed hybrid (<see cref="ReseedHybridOptions"/>): GCG does the search, descent explores
/// beside it. Descent is ~15x cheaper per step in counted work, so each GCG step buys a few
/// descent steps whose readouts are verified (descent's own cheap successes) and scored exactly
/// into a pool; a GCG candidate stuck in a basin (no lower exact loss for
/// <see cref="ReseedHybridOptions.StallSteps"/> steps) restarts from the best readout
/// descent has found that no candidate was given before.
/// </summary>
internal static class ReseedHybrid
{
    public static void Search(Methods.SearchRun run, ReseedHybridOptions options)
    {
        var (problem, log, init, random, request) = (run.Problem, run.Log, run.Init, run.Random, run.Request);
        int candidates = request.Candidates;
        long gcgWork = problem.Cost.GcgStep;
        long descentWork = problem.Cost.ReseedDescentStep;   // its step and the exact scores of its readouts
        bool explore = !options.AblateRandomProposals;   // the ablation: stall restarts from fresh initial spans, no descent
        var pool = new ReadoutPool();
        var stall = new StallCounter(candidates, options.StallSteps);

        using var start = init.Ids(candidates);
        using var gcg = new GreedyCoordinateGradient(problem, options.Gcg, random, start);
        using var directions = init.Directions(candidates);
        using var descent = explore ? new EmbeddingDescent(problem, options.Descent, directions) : null;
        while (log.Steps < request.Steps && !log.Done)
        {
            for (int s = 0; descent is not null && s < options.DescentSteps && log.Steps < request.Steps && !log.Done; s++)
            {
                if (!log.Fits(descentWork + gcgWork)) return;   // never leave GCG's next step without room
                log.BeforeStep();
                using var scope = NewDisposeScope();
                var (ids, _, nll) = descent.Step();
                log.CountGradientPass(candidates);
                pool.Add(ids, problem.LossOfIds(ids).Total);
                log.CountScored(candidates);
                var found = log.AfterStep("descent", ids, nll);
                if (found.Count > 0) descent.Restart(found, init.Directions(found.Count));
            }
            if (log.Done || log.Steps >= request.Steps || !log.Fits(gcgWork)) return;
            log.BeforeStep();
            using (NewDisposeScope())
            {
                var (ids, loss, nll) = gcg.Step();
                log.CountGradientPass(candidates);
                log.CountScored((long)candidates * options.Gcg.SearchWidth);
                var restart = log.AfterStep("hybrid", ids, nll);
                var stalled = stall.Update(loss).Except(restart).ToList();
                if (restart.Count > 0) gcg.Restart(restart, init.Ids(restart.Count));
                if (stalled.Count > 0) gcg.Restart(stalled, Reseeds(stalled.Count, pool, init));
                stall.Reset(restart.Concat(stalled));
                log.Reseeds += stalled.Count;
            }
        }
    }

    /// <summary>The best unused descent readouts [n, length], fresh initial spans where the pool has run dry (or in the ablation).</summary>
    internal static Tensor Reseeds(int n, ReadoutPool pool, Initialiser init)
    {
        using var scope = NewDisposeScope();
        var fallback = init.Ids(n);                                                     // [n, length]
        var rows = Enumerable.Range(0, n).Select(_ => pool.TakeBest()).TakeWhile(r => r is not null).Select(r => r!).ToList();
        if (rows.Count > 0)
            fallback.narrow(0, 0, rows.Count).copy_(tensor(rows.SelectMany(r => r).ToArray(), device: fallback.device).reshape(rows.Count, -1));
        return fallback.MoveToOuterDisposeScope();
    }
}

/// <summary>Per candidate: steps since its exact loss last went down; who has stalled.</summary>
internal sealed class StallCounter(int candidates, int patience)
{
    private readonly float[] _best = Enumerable.Repeat(float.PositiveInfinity, candidates).ToArray();
    private readonly int[] _since = new int[candidates];

    /// <summary>Records each candidate's loss this step; returns those with no improvement for <c>patience</c> steps.</summary>
    public List<int> Update(float[] loss)
    {
        var stalled = new List<int>();
        for (int b = 0; b < loss.Length; b++)
        {
            if (loss[b] < _best[b] - 1e-4f) (_best[b], _since[b]) = (loss[b], 0);
            else if (++_since[b] >= patience) stalled.Add(b);
        }
        return stalled;
    }

    /// <summary>Forgets the given candidates' history (they restarted).</summary>
    public void Reset(IEnumerable<int> rows)
    {
        foreach (var r in rows) (_best[r], _since[r]) = (float.PositiveInfinity, 0);
    }
}
