namespace LeapEngine.Api.Errors;

/// <summary>
/// Bounds what a problem repeats back from the request. Details quote the caller's values (an
/// unknown model id, a route id, the path), so a 1 MB model id would otherwise come back as a
/// 1 MB answer; every problem passes its text through here in <see cref="ProblemResult"/>.
/// </summary>
public static class Echo
{
    /// <summary>Longest detail kept: enough for any message the API writes with a quoted value in it.</summary>
    public const int MaxDetailChars = 1_000;
    /// <summary>Longest field path, instance path or other short text kept.</summary>
    public const int MaxShortChars = 200;

    public static string Bound(string text, int max) =>
        text.Length <= max ? text : $"{text[..max]}… ({text.Length - max} more characters)";
}
