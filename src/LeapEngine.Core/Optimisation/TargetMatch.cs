namespace LeapEngine.Core.Optimisation;

/// <summary>Whether a generated continuation counts as saying the target.</summary>
public static class TargetMatch
{
    /// <summary>
    /// True when <paramref name="target"/> occurs in <paramref name="continuation"/> (at its start
    /// when <paramref name="exact"/>) as a whole word: a target that begins or ends with a letter
    /// or digit must not run into one, so " ball" is not found in " balloon" nor " cat" in " catch".
    /// </summary>
    public static bool Appears(string continuation, string target, bool exact)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        if (string.IsNullOrEmpty(target)) return false;
        for (int at = continuation.IndexOf(target, StringComparison.Ordinal); at >= 0;
             at = continuation.IndexOf(target, at + 1, StringComparison.Ordinal))
        {
            if (exact && at != 0) return false;
            int end = at + target.Length;
            bool startOk = at == 0 || !char.IsLetterOrDigit(target[0]) || !char.IsLetterOrDigit(continuation[at - 1]);
            bool endOk = end == continuation.Length || !char.IsLetterOrDigit(target[^1]) || !char.IsLetterOrDigit(continuation[end]);
            if (startOk && endOk) return true;
        }
        return false;
    }
}
