using LeapEngine.Core.Partitioning;
using LeapEngine.Jobs.Handlers;

namespace LeapEngine.Jobs.Dictionaries;

/// <summary>
/// POST /v1/dictionaries: build an Exemplar Partitioning dictionary from the texts in the body.
/// The job stores the dictionary, owned by the tenant, under <c>dict_&lt;the job's id&gt;</c>.
/// </summary>
public sealed class DictionaryBuildRequest : IJobRequest
{
    /// <summary>Served model id (GET /v1/models).</summary>
    public string Model { get; set; } = "";
    /// <summary>A label (at most 200 characters).</summary>
    public string? Name { get; set; }
    /// <summary>The corpus: 1 to 5,000 texts of at most 4,000 characters (the body limit bounds the total).</summary>
    public List<string>? Texts { get; set; }
    /// <summary>Hook point; omitted: blocks.{layers/2}.hook_resid_post.</summary>
    public string? Hook { get; set; }
    public PartitionMetric Metric { get; set; } = PartitionMetric.Cosine;
    /// <summary>all_but_bos or last_only.</summary>
    public PartitionPositions Positions { get; set; } = PartitionPositions.AllButBos;
    /// <summary>Texts are cut to this many tokens, 2 to the model's context.</summary>
    public int ContextLength { get; set; } = 128;
    /// <summary>Stop after clustering this many activations (at most 1,000,000).</summary>
    public long MaxTokens { get; set; } = 200_000;
    /// <summary>Texts per forward pass, 1 to 64.</summary>
    public int BatchSize { get; set; } = 32;
    /// <summary>Theta as a percentile (0, 100) of within-batch pairwise distances; omitted: 5. Not with theta.</summary>
    public double? Percentile { get; set; }
    /// <summary>An explicit distance threshold instead of a percentile (positive; at most 2 for cosine). Not with percentile.</summary>
    public double? Theta { get; set; }

    public const double DefaultPercentile = 5;
    /// <summary>1 to 64.</summary>
    public int CalibrationBatches { get; set; } = 4;
    /// <summary>0 to 1,000; 0 never stops early.</summary>
    public int SaturationBatches { get; set; } = 20;
    /// <summary>0 to 20.</summary>
    public int ExamplesPerRegion { get; set; } = 5;
    public long Seed { get; set; }
    /// <summary>At most 1,000 characters.</summary>
    public string? CorpusDescription { get; set; }

    public PartitionOptions ToEngine() => new()
    {
        Hook = Hook, Metric = Metric, Positions = Positions, ContextLength = ContextLength, MaxTokens = MaxTokens, BatchSize = BatchSize,
        Percentile = Percentile ?? DefaultPercentile, Theta = Theta, CalibrationBatches = CalibrationBatches, SaturationBatches = SaturationBatches,
        ExamplesPerRegion = ExamplesPerRegion, Seed = Seed, CorpusDescription = CorpusDescription ?? "",
    };
}

/// <summary>The result of a build job: the stored dictionary's id and what it is (regions: GET /v1/dictionaries/{id}/regions).</summary>
public sealed record DictionaryBuildResult(string DictionaryId, string? Name, Results.DictionaryInfo Info, Results.DictionaryMetrics Metrics);
