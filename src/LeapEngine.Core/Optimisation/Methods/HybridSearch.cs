namespace LeapEngine.Core.Optimisation.Methods;

/// <summary>
/// Descent and GCG together, in one of four <see cref="HybridVariant"/>s: sequential (descent, then GCG from its
/// readouts), chain and anchored (GCG with descent's proposals among its exactly scored trials), reseed (GCG that
/// restarts stalled candidates from descent's best readouts).
/// </summary>
internal sealed class HybridSearch : PromptSearchMethod
{
    public override OptimisationMethod Method => OptimisationMethod.Hybrid;

    public override long StepWork(OptimisationCost cost, OptimisationRequest request) => request.HybridVariant == HybridVariant.Reseed
        ? Math.Max(cost.ReseedDescentStep, cost.GcgStep)
        : Math.Max(cost.DescentStep, cost.GcgStep);

    public override int DescentSteps(OptimisationRequest request) => request.HybridVariant switch
    {
        // Descent runs beside GCG throughout: no phase of its own.
        not HybridVariant.Sequential => 0,
        _ when request.Steps == 1 => 1,
        _ => Math.Clamp((int)Math.Round(request.Steps * request.HybridDescentFraction), 1, request.Steps - 1),
    };

    internal override void Search(SearchRun run)
    {
        var request = run.Request;
        if (request.HybridVariant == HybridVariant.Reseed)
        {
            ReseedHybrid.Search(run.Problem, run.Log, run.Init, run.Random);
            return;
        }
        if (request.HybridVariant != HybridVariant.Sequential)
        {
            SearchPhases.Gcg(run, handoff: null, interleaved: true);
            return;
        }
        int descentSteps = DescentSteps(request);
        var pool = request.HybridBestReadouts ? new ReadoutPool() : null;
        // The descent phase gets its share of a budget as well as of the steps; GCG starts from its readouts.
        using var handoff = SearchPhases.Descent(run, descentSteps, request.HybridDescentFraction, pool, handOff: descentSteps < request.Steps);
        if (descentSteps < request.Steps) SearchPhases.Gcg(run, handoff, interleaved: false);
    }
}
