namespace LeapEngine.Core.Optimisation.Methods;

/// <summary>Embedding descent alone (SolidGoldMagikarp style): Adam on unit-direction input embeddings kept near real tokens.</summary>
internal sealed class DescentSearch : PromptSearchMethod
{
    public override OptimisationMethod Method => OptimisationMethod.Descent;

    public override long StepWork(OptimisationCost cost, OptimisationRequest request) => cost.DescentStep;

    public override int DescentSteps(OptimisationRequest request) => request.Steps;

    internal override void Search(SearchRun run) => SearchPhases.Descent(run, run.Request.Steps, budgetShare: 1, pool: null, handOff: false)?.Dispose();
}
