using LeapEngine.Core.Optimisation.Options;

namespace LeapEngine.Core.Optimisation.Methods;

/// <summary>Embedding descent alone (SolidGoldMagikarp style): Adam on unit-direction input embeddings kept near real tokens.</summary>
internal sealed class DescentSearch : PromptSearchMethod<DescentOptions>
{
    public override OptimisationMethod Method => OptimisationMethod.Descent;

    private protected override long StepWork(OptimisationCost cost, DescentOptions options) => cost.DescentStep;

    private protected override int DescentSteps(OptimisationRequest request, DescentOptions options) => request.Steps;

    internal override void Search(SearchRun run, DescentOptions options) =>
        SearchPhases.Descent(run, options, run.Request.Steps, budgetShare: 1, pool: null, handOff: false)?.Dispose();
}
