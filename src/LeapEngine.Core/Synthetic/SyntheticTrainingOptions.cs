namespace LeapEngine.Core.Synthetic;

/// <summary>How a synthetic model is shaped and trained. Defaults train key retrieval in well under a minute on 2 cores.</summary>
public sealed record SyntheticTrainingOptions
{
    public int Seed { get; init; }
    public int Steps { get; init; } = 200;
    public int BatchSize { get; init; } = 32;
    public double LearningRate { get; init; } = 3e-3;
    public int DModel { get; init; } = 64;
    public int Layers { get; init; } = 2;
    public int Heads { get; init; } = 4;
    public int DMlp { get; init; } = 128;
    /// <summary>The longest prompt the model accepts (its context length, BOS included).</summary>
    public int ContextLength { get; init; } = 1024;
    /// <summary>Shortest and longest training prompts in words; null = the task's own.</summary>
    public int? MinLength { get; init; }
    public int? MaxLength { get; init; }
    /// <summary>CPU threads while training (set for the process, restored after); null keeps the current setting.</summary>
    public int? Threads { get; init; } = 1;

    public void Validate()
    {
        void Range(int value, int min, int max, string name)
        {
            if (value < min || value > max) throw new ArgumentException($"{name} must be in [{min}, {max}], got {value}");
        }
        Range(Steps, 1, 100_000, "steps");
        Range(BatchSize, 1, 1024, "batch size");
        Range(DModel, 8, 1024, "d_model");
        Range(Layers, 1, 16, "layers");
        Range(Heads, 1, 64, "heads");
        Range(DMlp, 8, 8192, "d_mlp");
        Range(ContextLength, 16, 8192, "context length");
        if (DModel % Heads != 0 || DModel / Heads % 2 != 0)
            throw new ArgumentException($"d_model ({DModel}) must split into {Heads} heads of an even size (rotary embeddings)");
        if (!(LearningRate > 0 && LearningRate < 1)) throw new ArgumentException($"learning rate must be in (0, 1), got {LearningRate}");
        if (Threads is < 1 or > 256) throw new ArgumentException($"threads must be in [1, 256], got {Threads}");
        if (MinLength is < 1) throw new ArgumentException($"min length must be at least 1, got {MinLength}");
        if (MinLength is int lo && MaxLength is int hi && lo > hi) throw new ArgumentException($"min length {lo} is above max length {hi}");
        if (MaxLength is int max && max + 1 > ContextLength)
            throw new ArgumentException($"max length {max} plus BOS does not fit the context length {ContextLength}");
    }
}
