namespace LeapEngine.Core.Optimisation.Methods;

/// <summary>Greedy coordinate gradient alone (Zou et al. 2023): exact search over single-token swaps ranked by the one-hot gradient.</summary>
internal sealed class GcgSearch : PromptSearchMethod
{
    public override OptimisationMethod Method => OptimisationMethod.Gcg;

    public override long StepWork(OptimisationCost cost, OptimisationRequest request) => cost.GcgStep;

    public override int DescentSteps(OptimisationRequest request) => 0;

    internal override void Search(SearchRun run) => SearchPhases.Gcg(run, handoff: null, interleaved: false);
}
