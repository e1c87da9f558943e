namespace LeapEngine.Core.Attribution;

/// <summary>
/// What an attribution method asks of a model: how much does perturbing these sets of units
/// lower the completion? ItP, HiPe and the faithfulness curves see only this, so they run the
/// same whether the score comes from the network in this process (<see cref="PerturbationScorer"/>)
/// or from an OpenAI-compatible endpoint (<see cref="BlackBox.Scoring.EndpointScorer"/>).
/// </summary>
public interface IAttributionScorer
{
    /// <summary>Units the prompt was cut into; a unit set holds indices in [0, UnitCount).</summary>
    int UnitCount { get; }

    /// <summary>Log-probability (or the mode's stand-in for it) of each completion position after the unperturbed prompt.</summary>
    IReadOnlyList<double> CompletionTokenLogProbs { get; }

    /// <summary>The sum of <see cref="CompletionTokenLogProbs"/>.</summary>
    double BaseLogProb { get; }

    /// <summary>Drops for perturbing each given set of units (unit indices) together.</summary>
    CompletionDrop[] Score(IReadOnlyList<IReadOnlyList<int>> unitSets, string? message = null);
}
