using System.ComponentModel.DataAnnotations;

namespace LeapEngine.Core.Optimisation.Options;

/// <summary>
/// Embedding descent (SolidGoldMagikarp style): Adam on unit-direction input embeddings kept near real tokens. As a
/// search of its own, and as the descent half of a hybrid (<see cref="HybridOptions.Descent"/>).
/// </summary>
public sealed record DescentOptions : SearchOptions
{
    public override OptimisationMethod Method => OptimisationMethod.Descent;

    /// <summary>Adam's learning rate.</summary>
    [Range(0d, double.MaxValue, MinimumIsExclusive = true, ErrorMessage = DeclaredBounds.Positive)]
    public double LearningRate { get; init; } = 0.1;

    /// <summary>Weight of the mean distance to the nearest allowed token (1 - max cosine) in descent's loss.</summary>
    [Range(0d, double.MaxValue, ErrorMessage = DeclaredBounds.NonNegative)]
    public double NearestTokenWeight { get; init; } = 1.0;
}
