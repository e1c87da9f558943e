namespace LeapEngine.Core.Runtime;

/// <summary>How to continue a prompt. Temperature 0 is greedy (argmax), deterministic without a seed.</summary>
public sealed record GenerationOptions
{
    public int MaxNewTokens { get; init; } = 64;
    public double Temperature { get; init; }
    /// <summary>Sample only among the k most likely tokens (null or 0: no limit).</summary>
    public int? TopK { get; init; }
    /// <summary>Nucleus sampling: the smallest set of tokens whose probability reaches p.</summary>
    public double? TopP { get; init; }
    /// <summary>Seed for sampling; the same seed, prompt and options give the same tokens.</summary>
    public long Seed { get; init; }
    /// <summary>Stop a sequence at the tokenizer's end-of-sequence id (which is kept in the output).</summary>
    public bool StopAtEos { get; init; } = true;

    public void Validate()
    {
        if (MaxNewTokens < 0) throw new ArgumentException($"max new tokens must be >= 0, got {MaxNewTokens}");
        if (double.IsNaN(Temperature) || Temperature < 0) throw new ArgumentException($"temperature must be >= 0, got {Temperature}");
        if (TopK is < 0) throw new ArgumentException($"top-k must be >= 0, got {TopK}");
        if (TopP is { } p && (double.IsNaN(p) || p <= 0 || p > 1)) throw new ArgumentException($"top-p must be in (0, 1], got {p}");
    }
}
