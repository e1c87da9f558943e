using LeapEngine.Core.Tensors;
using static TorchSharp.torch;

namespace LeapEngine.Core.Partitioning;

/// <summary>How a build went (stored with the dictionary).</summary>
public sealed record BuildStats
{
    public long Tokens { get; init; }
    public int Batches { get; init; }
    /// <summary>"saturated", "max tokens" or "corpus exhausted".</summary>
    public string StopReason { get; init; } = "";
    public long CalibrationTokens { get; init; }
    public double Seconds { get; init; }
    /// <summary>Times the exemplar buffer doubled (each copies the rows once).</summary>
    public int BufferGrowths { get; init; }
}

/// <summary>Everything about a dictionary except its tensors: the JSON metadata of its file.</summary>
public sealed record DictionaryInfo
{
    public const string CurrentFormat = "leapengine.exemplar-partition/1";
    public string Format { get; init; } = CurrentFormat;
    public string ModelId { get; init; } = "";
    public string Hook { get; init; } = "";
    public PartitionMetric Metric { get; init; }
    public PartitionPositions Positions { get; init; }
    public int Width { get; init; }
    public double Theta { get; init; }
    /// <summary>The percentile theta came from; null when theta was given.</summary>
    public double? Percentile { get; init; }
    public int ContextLength { get; init; }
    public string CorpusDescription { get; init; } = "";
    public BuildStats Build { get; init; } = new();
}

/// <summary>A region as shown to a person: size, tightness and examples.</summary>
public sealed record RegionSummary
{
    public int Id { get; init; }
    public long Count { get; init; }
    /// <summary>Mean member distance to the exemplar.</summary>
    public double MeanDistance { get; init; }
    /// <summary>|sum of members' u| / count: 1 when all members point the same way (cosine).</summary>
    public double Coherence { get; init; }
    public RegionExampleSet Examples { get; init; } = new();
}

/// <summary>
/// An exemplar-partition dictionary: the frozen centre, theta, one exemplar per region (in
/// normalised space u), and per region its member count, running member sum and examples.
/// Tensors live on the CPU; the methods move what they need to the model's device.
/// </summary>
public sealed partial class ExemplarDictionary : IDisposable
{
    internal ExemplarDictionary(DictionaryInfo info, Tensor centre, Tensor exemplars, Tensor memberSums,
        long[] counts, double[] distanceSums, List<RegionExampleSet> examples)
    {
        int k = (int)exemplars.shape[0];
        if (exemplars.dim() != 2 || exemplars.shape[1] != info.Width || centre.shape[0] != info.Width
            || !memberSums.shape.SequenceEqual(exemplars.shape) || counts.Length != k || distanceSums.Length != k || examples.Count != k)
            throw new InvalidDataException($"inconsistent dictionary: {k} exemplars of width {info.Width}, {counts.Length} counts, {examples.Count} example sets");
        Info = info with { };
        Centre = centre;
        Exemplars = exemplars;
        MemberSums = memberSums;
        Counts = counts;
        DistanceSums = distanceSums;
        Examples = examples;
    }

    public DictionaryInfo Info { get; }
    public int RegionCount => Counts.Length;
    public int Width => Info.Width;
    public double Theta => Info.Theta;
    /// <summary>[width] float32.</summary>
    public Tensor Centre { get; }
    /// <summary>[regions, width] float32, in normalised space (unit rows for cosine).</summary>
    public Tensor Exemplars { get; }
    /// <summary>[regions, width] float32: sum of members' u.</summary>
    public Tensor MemberSums { get; }
    public long[] Counts { get; }
    public double[] DistanceSums { get; }
    public IReadOnlyList<RegionExampleSet> Examples { get; }

    public ActivationNormaliser Normaliser => new(Info.Metric, Centre);

    /// <summary>Regions by id, or the largest first when <paramref name="largestFirst"/>.</summary>
    public IReadOnlyList<RegionSummary> Regions(bool largestFirst = false)
    {
        using var scope = NewDisposeScope();
        var sumNorms = MemberSums.norm(1).to(ScalarType.Float64).data<double>().ToArray();
        var list = Enumerable.Range(0, RegionCount).Select(r => new RegionSummary
        {
            Id = r,
            Count = Counts[r],
            MeanDistance = Counts[r] > 0 ? DistanceSums[r] / Counts[r] : 0,
            Coherence = Counts[r] > 0 ? sumNorms[r] / Counts[r] : 0,
            Examples = Examples[r],
        });
        return (largestFirst ? list.OrderByDescending(r => r.Count).ThenBy(r => r.Id) : list).ToList();
    }

    /// <summary>The unit direction of each region in raw activation space [regions, width].</summary>
    public Tensor Directions()
    {
        using var scope = NewDisposeScope();
        return (Exemplars / Exemplars.norm(1, keepdim: true).ClampMin(1e-12)).MoveToOuterDisposeScope();
    }

    internal void RequireRegion(int region)
    {
        if (region < 0 || region >= RegionCount)
            throw new ArgumentException($"region {region} does not exist; this dictionary has regions 0..{RegionCount - 1}");
    }

    public void Dispose()
    {
        Centre.Dispose();
        Exemplars.Dispose();
        MemberSums.Dispose();
    }
}
