namespace LeapEngine.Core.Runtime;

/// <summary>
/// Progress of long work, reported through <see cref="IProgress{T}"/>: the job layer writes it
/// to the job object, the CLI draws it. <paramref name="Unit"/> says what is counted
/// ("forward passes", "tokens", "steps", "bytes").
/// </summary>
public readonly record struct ProgressUpdate(long Done, long Total, string Unit, string? Message = null)
{
    public double Fraction => Total > 0 ? Math.Clamp((double)Done / Total, 0, 1) : 0;
}
