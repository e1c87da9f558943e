namespace LeapEngine.Core.Attribution.Methods;

/// <summary>HiPe (<see cref="HierarchicalPerturbation"/>): a thresholded binary search over the units.</summary>
public sealed class HierarchicalMethod : IAttributionMethod
{
    public string Name => "hipe";
    public string Description => "hierarchical: chunks first, only salient ones split (fewer evaluations)";

    public MethodOutcome Run(IAttributionScorer scorer, MethodSettings settings)
    {
        var (units, stages, chunks) = settings.Hipe.Mode == HipeMode.Pizza
            ? PizzaHierarchicalPerturbation.Run(scorer, settings.Hipe)
            : HierarchicalPerturbation.Run(scorer, settings.Hipe);
        return new MethodOutcome(units, stages, chunks, settings.Hipe);
    }

    /// <summary>
    /// The PIZZA mode scores at most 2n chunks (<see cref="PizzaHierarchicalPerturbation.MaxEvaluations"/>). The default
    /// mode scores each distinct chunk once; chunks of one size overlap by half, so a size-s
    /// stage has at most 2n/s + 2 of them, and over halving sizes that sums to at most 4n + 2
    /// per stage (log2 n + 2 stages).
    /// </summary>
    public long MaxEvaluations(int units, MethodSettings settings)
    {
        if (settings.Hipe.Mode == HipeMode.Pizza) return PizzaHierarchicalPerturbation.MaxEvaluations(units);
        long n = units;
        int stages = (int)Math.Ceiling(Math.Log2(Math.Max(2, n))) + 2;
        return 4 * n + 2L * stages;
    }
}
