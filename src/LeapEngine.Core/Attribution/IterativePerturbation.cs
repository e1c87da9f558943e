namespace LeapEngine.Core.Attribution;

/// <summary>ItP: perturb each unit on its own; 1 + units evaluations.</summary>
public static class IterativePerturbation
{
    public static CompletionDrop[] Run(PerturbationScorer scorer) =>
        scorer.Score(Enumerable.Range(0, scorer.Units.Count).Select(u => (IReadOnlyList<int>)[u]).ToList(), "ItP: one unit at a time");
}
