namespace LeapEngine.Core.Partitioning;

/// <summary>How activations are compared: cosine (as in the paper) or plain euclidean distance.</summary>
public enum PartitionMetric
{
    /// <summary>u = (a - c) / |a - c|; distance 1 - u.e (0 identical, 2 opposite).</summary>
    Cosine,
    /// <summary>u = a - c; distance |u - e|.</summary>
    Euclidean,
}

/// <summary>Which token positions of each text contribute activations.</summary>
public enum PartitionPositions
{
    /// <summary>Every position except BOS.</summary>
    AllButBos,
    /// <summary>Only the last token of each text.</summary>
    LastOnly,
}

/// <summary>
/// Settings of a dictionary build. Defaults suit a small model on a few thousand short
/// texts; <see cref="Validate"/> says what to fix before anything runs.
/// </summary>
public sealed record PartitionOptions
{
    /// <summary>Hook point; null means blocks.{NLayers/2}.hook_resid_post (a middle layer).</summary>
    public string? Hook { get; init; }
    public PartitionMetric Metric { get; init; } = PartitionMetric.Cosine;
    public PartitionPositions Positions { get; init; } = PartitionPositions.AllButBos;
    /// <summary>Texts are cut to this many tokens (BOS included), at most the model's context length.</summary>
    public int ContextLength { get; init; } = 128;
    /// <summary>Stop after this many activations have been clustered.</summary>
    public long MaxTokens { get; init; } = 200_000;
    /// <summary>Texts per forward pass.</summary>
    public int BatchSize { get; init; } = 32;
    /// <summary>Threshold as a percentile (0, 100) of within-batch pairwise distances; ignored when <see cref="Theta"/> is set.</summary>
    public double Percentile { get; init; } = 5;
    /// <summary>An explicit distance threshold instead of the percentile.</summary>
    public double? Theta { get; init; }
    /// <summary>Batches used to fix the centre and calibrate theta (they are clustered too).</summary>
    public int CalibrationBatches { get; init; } = 4;
    /// <summary>Stop after this many consecutive batches found no new region; 0 never stops early.</summary>
    public int SaturationBatches { get; init; } = 20;
    /// <summary>Closest and farthest members kept per region as readable examples.</summary>
    public int ExamplesPerRegion { get; init; } = 5;
    /// <summary>Seed for subsampling calibration pairs.</summary>
    public long Seed { get; init; }
    /// <summary>Free text stored with the dictionary (where the corpus came from).</summary>
    public string CorpusDescription { get; init; } = "";

    public void Validate()
    {
        if (ContextLength < 2) throw new ArgumentException($"context length must be at least 2 tokens, got {ContextLength}");
        if (MaxTokens < 1) throw new ArgumentException($"max tokens must be at least 1, got {MaxTokens}");
        if (BatchSize < 1 || BatchSize > 4096) throw new ArgumentException($"batch size must be in [1, 4096] texts, got {BatchSize}");
        if (Theta is { } t && (double.IsNaN(t) || t <= 0 || double.IsInfinity(t)))
            throw new ArgumentException($"theta must be a positive finite distance, got {t}");
        if (Theta is null && (double.IsNaN(Percentile) || Percentile <= 0 || Percentile >= 100))
            throw new ArgumentException($"percentile must lie in (0, 100), got {Percentile}");
        if (Metric == PartitionMetric.Cosine && Theta is > 2)
            throw new ArgumentException($"cosine distance lies in [0, 2]; theta {Theta} would put everything in one region");
        if (CalibrationBatches < 1) throw new ArgumentException($"calibration batches must be at least 1, got {CalibrationBatches}");
        if (SaturationBatches < 0) throw new ArgumentException($"saturation batches must be >= 0, got {SaturationBatches}");
        if (ExamplesPerRegion < 0 || ExamplesPerRegion > 100) throw new ArgumentException($"examples per region must be in [0, 100], got {ExamplesPerRegion}");
    }
}
