namespace LeapEngine.Core.Attribution.Methods;

/// <summary>ItP: perturb each unit on its own; one evaluation per unit.</summary>
public sealed class IterativeMethod : IAttributionMethod
{
    public string Name => "itp";
    public string Description => "one unit at a time: one evaluation per unit";

    public MethodOutcome Run(IAttributionScorer scorer, MethodSettings settings) =>
        new(scorer.Score(Enumerable.Range(0, scorer.UnitCount).Select(u => (IReadOnlyList<int>)[u]).ToList(), "ItP: one unit at a time"));

    public long MaxEvaluations(int units, MethodSettings settings) => units;
}
