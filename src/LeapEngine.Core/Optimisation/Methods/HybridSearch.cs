using LeapEngine.Core.Optimisation.Options;

namespace LeapEngine.Core.Optimisation.Methods;

/// <summary>
/// Descent and GCG together, in one of four variants, each with its own options type: sequential (descent, then GCG from
/// its readouts), chain and anchored (GCG with descent's proposals among its exactly scored trials), reseed (GCG that
/// restarts stalled candidates from descent's best readouts).
/// </summary>
internal sealed class HybridSearch : PromptSearchMethod<HybridOptions>
{
    public override OptimisationMethod Method => OptimisationMethod.Hybrid;

    private protected override long StepWork(OptimisationCost cost, HybridOptions options) => options is ReseedHybridOptions
        ? Math.Max(cost.ReseedDescentStep, cost.GcgStep)
        : Math.Max(cost.DescentStep, cost.GcgStep);

    private protected override int DescentSteps(OptimisationRequest request, HybridOptions options) => options switch
    {
        SequentialHybridOptions when request.Steps == 1 => 1,
        SequentialHybridOptions sequential => Math.Clamp((int)Math.Round(request.Steps * sequential.DescentFraction), 1, request.Steps - 1),
        // Descent runs beside GCG throughout: no phase of its own.
        _ => 0,
    };

    internal override void Search(SearchRun run, HybridOptions options)
    {
        switch (options)
        {
            case ReseedHybridOptions reseed:
                ReseedHybrid.Search(run, reseed);
                return;
            case InterleavedHybridOptions interleaved:
                SearchPhases.Gcg(run, options.Gcg, handoff: null, interleaved);
                return;
            case SequentialHybridOptions sequential:
                Sequential(run, sequential);
                return;
            default:
                throw new ArgumentException($"unknown hybrid options {options.GetType().Name}");
        }
    }

    private void Sequential(SearchRun run, SequentialHybridOptions options)
    {
        int steps = run.Request.Steps, descentSteps = DescentSteps(run.Request, options);
        var pool = options.BestReadouts ? new ReadoutPool() : null;
        // The descent phase gets its share of a budget as well as of the steps; GCG starts from its readouts.
        using var handoff = SearchPhases.Descent(run, options.Descent, descentSteps, options.DescentFraction, pool, handOff: descentSteps < steps);
        if (descentSteps < steps) SearchPhases.Gcg(run, options.Gcg, handoff, interleaved: null);
    }
}
