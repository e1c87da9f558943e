namespace LeapEngine.Core.Optimisation.Options;

/// <summary>
/// A search option outside its declared bounds. <see cref="ParamName"/> is the field's path from the options type
/// (<c>AnchoredHybridOptions.DescentSteps</c>), so a host can name the field as its users spell it (the CLI its flag);
/// the message stays one sentence (no "(Parameter ...)" tail).
/// </summary>
public sealed class InvalidOptionException(string path, string message) : ArgumentException(message)
{
    public override string ParamName => path;
}
