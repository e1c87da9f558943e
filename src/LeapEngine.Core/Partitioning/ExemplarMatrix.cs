using static TorchSharp.torch;

namespace LeapEngine.Core.Partitioning;

/// <summary>
/// The exemplars found so far and each region's running member statistics. Rows live in a
/// buffer whose capacity doubles when full, so appending a batch's new leaders copies
/// nothing in the common case and the whole matrix only O(log regions) times in total.
/// </summary>
internal sealed class ExemplarMatrix : IDisposable
{
    private Tensor _exemplars;   // [capacity, width]
    // Running sum of members' u per region, flat [capacity * width], in double on the host:
    // torch's CPU index_add_ walks rows one tensor op at a time, far slower than this loop.
    private double[] _sums;
    private readonly List<long> _counts = new();
    private readonly List<double> _distanceSums = new();

    public ExemplarMatrix(int width, Device device, int initialCapacity = 1024)
    {
        Width = width;
        _exemplars = zeros(initialCapacity, width, device: device).DetachFromDisposeScope();
        _sums = new double[(long)initialCapacity * width];
    }

    public int Width { get; }
    public int Count { get; private set; }
    public long Capacity => _exemplars.shape[0];
    /// <summary>How many times the buffer grew (each growth copies the rows once).</summary>
    public int Growths { get; private set; }
    public IReadOnlyList<long> Counts => _counts;
    public IReadOnlyList<double> DistanceSums => _distanceSums;

    /// <summary>The first <paramref name="count"/> exemplars [count, width], a view (no copy).</summary>
    public Tensor Exemplars(int? count = null) => _exemplars.narrow(0, 0, count ?? Count);

    /// <summary>Rows [from, Count) as a view.</summary>
    public Tensor ExemplarsFrom(int from) => _exemplars.narrow(0, from, Count - from);

    /// <summary>Member sums [count, width] as a new float32 CPU tensor.</summary>
    public Tensor Sums()
    {
        var flat = new float[(long)Count * Width];
        for (long i = 0; i < flat.Length; i++) flat[i] = (float)_sums[i];
        return tensor(flat, [Count, Width]);
    }

    /// <summary>Appends new exemplars [rows, width]; returns the index of the first.</summary>
    public int Append(Tensor rows)
    {
        int m = (int)rows.shape[0];
        if (Count + m > Capacity) Grow(Math.Max(2 * Capacity, Count + m));
        _exemplars.narrow(0, Count, m).copy_(rows);
        int first = Count;
        Count += m;
        for (int i = 0; i < m; i++) { _counts.Add(0); _distanceSums.Add(0); }
        return first;
    }

    /// <summary>Adds members u [n, width] to their regions (indices into the exemplars) at the given distances.</summary>
    public void AddMembers(Tensor u, int[] regions, float[] distances)
    {
        float[] rows;
        using (var cpu = u.cpu()) rows = cpu.contiguous().data<float>().ToArray();   // [n * width]
        for (int i = 0; i < regions.Length; i++)
        {
            int r = regions[i];
            _counts[r]++;
            _distanceSums[r] += distances[i];
            long dst = (long)r * Width, src = (long)i * Width;
            for (int j = 0; j < Width; j++) _sums[dst + j] += rows[src + j];
        }
    }

    private void Grow(long capacity)
    {
        Growths++;
        _exemplars = Regrow(_exemplars, capacity);
        Array.Resize(ref _sums, checked((int)(capacity * Width)));
    }

    private Tensor Regrow(Tensor old, long capacity)
    {
        var grown = zeros(capacity, Width, device: old.device).DetachFromDisposeScope();
        using (var kept = old.narrow(0, 0, Count)) using (var dst = grown.narrow(0, 0, Count)) dst.copy_(kept);
        old.Dispose();
        return grown;
    }

    public void Dispose() => _exemplars.Dispose();
}
