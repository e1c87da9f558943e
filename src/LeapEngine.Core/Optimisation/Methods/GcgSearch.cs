using LeapEngine.Core.Optimisation.Options;

namespace LeapEngine.Core.Optimisation.Methods;

/// <summary>Greedy coordinate gradient alone (Zou et al. 2023): exact search over single-token swaps ranked by the one-hot gradient.</summary>
internal sealed class GcgSearch : PromptSearchMethod<GcgOptions>
{
    public override OptimisationMethod Method => OptimisationMethod.Gcg;

    private protected override long StepWork(OptimisationCost cost, GcgOptions options) => cost.GcgStep;

    private protected override int DescentSteps(OptimisationRequest request, GcgOptions options) => 0;

    internal override void Search(SearchRun run, GcgOptions options) => SearchPhases.Gcg(run, options, handoff: null, interleaved: null);
}
