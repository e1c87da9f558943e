namespace LeapEngine.Cli.Commands.Synth;

/// <summary>The option checks every bench command shares, with one wording for each mistake.</summary>
internal static class BenchArgs
{
    /// <summary>A comma-separated list of whole numbers, each in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static int[] Numbers(string text, string option, int min, int max)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0) throw new ArgumentException($"{option} needs at least one number");
        return parts.Select(p => int.TryParse(p, out int v) && v >= min && v <= max
            ? v
            : throw new ArgumentException($"{option}: '{p}' must be a whole number in [{min}, {max}]")).ToArray();
    }

    /// <summary>--prompts: 1 to 10,000.</summary>
    public static int Prompts(int prompts) =>
        prompts is >= 1 and <= 10_000 ? prompts : throw new ArgumentException($"--prompts must be in [1, 10000], got {prompts}");
}
