using static TorchSharp.torch;

namespace LeapEngine.Core.Tests.Partitioning;

/// <summary>Activations with known clusters: k well-separated centres plus a shared offset, and small noise.</summary>
public static class PlantedData
{
    /// <summary>Points [k * perCluster, width] in a shuffled stream order, and the planted label of each.</summary>
    public static (Tensor Points, int[] Labels) Clusters(int k, int perCluster, int width, double spread, double noise, int seed)
    {
        using var scope = NewDisposeScope();
        var g = new TorchSharp.torch.Generator((ulong)seed);
        var centres = randn(k, width, generator: g) * spread;                         // [k, width]
        var offset = randn(1, width, generator: g) * spread * 2;                      // shared, like a residual stream's mean
        var labels = arange(k).repeat_interleave(perCluster);                          // [k * perCluster]
        var order = randperm(k * perCluster, generator: g);
        labels = labels.index_select(0, order);
        var points = centres.index_select(0, labels) + offset + randn(k * perCluster, width, generator: g) * noise;
        var labelArray = labels.data<long>().ToArray().Select(l => (int)l).ToArray();
        return (points.MoveToOuterDisposeScope(), labelArray);
    }

    /// <summary>Splits rows into stream batches of the given size (views of the points).</summary>
    public static List<Tensor> Batches(Tensor points, int batch) =>
        Enumerable.Range(0, (int)((points.shape[0] + batch - 1) / batch))
            .Select(i => points.narrow(0, (long)i * batch, Math.Min(batch, points.shape[0] - (long)i * batch)))
            .ToList();
}
