using static TorchSharp.torch;

namespace LeapEngine.Core.Models.Common;

/// <summary>
/// Keys and values of the tokens seen so far, per layer ([batch, kv_head, token, d_head],
/// after rotary embedding), with their padding mask [batch, token]. Owns its tensors:
/// they live outside every dispose scope until the cache is disposed.
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly Tensor?[] _keys;
    private readonly Tensor?[] _values;
    private Tensor? _mask;
    private Tensor? _positions;

    public KvCache(int layers)
    {
        _keys = new Tensor?[layers];
        _values = new Tensor?[layers];
    }

    /// <summary>Number of cached token positions (padding included).</summary>
    public long Length => _mask?.shape[1] ?? 0;

    /// <summary>Batch size of the cached sequences, 0 while empty.</summary>
    public long Batch => _mask?.shape[0] ?? 0;

    public int Layers => _keys.Length;

    /// <summary>Bytes the cached tensors hold (keys, values, mask and positions; views count as their own size).</summary>
    public long Bytes =>
        _keys.Concat(_values).Append(_mask).Append(_positions).Sum(t => t is null ? 0 : t.numel() * t.ElementSize);

    /// <summary>The cached padding mask [batch, token] (1 real, 0 pad), null while empty.</summary>
    public Tensor? Mask => _mask;

    /// <summary>Appends this pass's mask and returns the full mask [batch, past + new].</summary>
    internal Tensor AppendMask(Tensor newMask)
    {
        _mask = Concat(_mask, newMask, 1);
        return _mask;
    }

    /// <summary>
    /// Appends this pass's positions [batch, new] and returns every cached position [batch, past + new]
    /// (what a sliding window measures distances in).
    /// </summary>
    internal Tensor AppendPositions(Tensor newPositions)
    {
        _positions = Concat(_positions, newPositions, 1);
        return _positions;
    }

    /// <summary>Appends one layer's new keys/values and returns all of them.</summary>
    internal (Tensor Keys, Tensor Values) Append(int layer, Tensor keys, Tensor values)
    {
        _keys[layer] = Concat(_keys[layer], keys, 2);
        _values[layer] = Concat(_values[layer], values, 2);
        return (_keys[layer]!, _values[layer]!);
    }

    /// <summary>One layer's cached keys and values (null while empty), for passes that only read them.</summary>
    internal (Tensor? Keys, Tensor? Values) Layer(int layer) => (_keys[layer], _values[layer]);

    /// <summary>
    /// A cache for <paramref name="batch"/> sequences that all share this (batch 1) prefix.
    /// The new cache holds broadcast views, so no prefix is copied until a pass appends.
    /// <paramref name="visible"/> [batch, Length] (1 visible, 0 hidden) lets each row see only
    /// part of the prefix, e.g. only the tokens before the position where that row diverges.
    /// <paramref name="length"/> keeps only the first cached positions (none of the rows
    /// needs the rest), so attention runs over fewer keys.
    /// </summary>
    public KvCache ExpandBatch(int batch, Tensor? visible = null, long? length = null)
    {
        if (Batch != 1) throw new InvalidOperationException($"only a batch-1 cache can be expanded (this one has batch {Batch})");
        long keep = length ?? Length;
        if (keep < 1 || keep > Length) throw new ArgumentException($"length must be in [1, {Length}], got {keep}");
        if (visible is not null && (visible.dim() != 2 || visible.shape[0] != batch || visible.shape[1] != keep))
            throw new ArgumentException($"visible mask must be [{batch}, {keep}], got [{string.Join(", ", visible.shape)}]");
        var copy = new KvCache(Layers);
        for (int i = 0; i < Layers; i++)
        {
            copy._keys[i] = _keys[i]?.narrow(2, 0, keep).expand(batch, -1, -1, -1).DetachFromDisposeScope();
            copy._values[i] = _values[i]?.narrow(2, 0, keep).expand(batch, -1, -1, -1).DetachFromDisposeScope();
        }
        copy._positions = _positions?.narrow(1, 0, keep).expand(batch, -1).DetachFromDisposeScope();
        copy._mask = (visible is null ? _mask?.narrow(1, 0, keep).expand(batch, -1) : visible.to(ScalarType.Int64).to(_mask!.device))?.DetachFromDisposeScope();
        return copy;
    }

    /// <summary>
    /// Replaces every cached tensor by a copy of its own, so that the cache keeps alive exactly <see cref="Bytes"/>: what a
    /// pass appended first may be a view of that pass's larger output (a fused projection's keys and values), which would
    /// otherwise stay alive with it. For caches kept long (the served prompt cache).
    /// </summary>
    internal void Compact()
    {
        for (int i = 0; i < Layers; i++)
        {
            Replace(ref _keys[i], _keys[i]?.clone());
            Replace(ref _values[i], _values[i]?.clone());
        }
        Replace(ref _mask, _mask?.clone());
        Replace(ref _positions, _positions?.clone());
    }

    /// <summary>Keeps only the given batch rows (e.g. sequences still being generated).</summary>
    public void SelectRows(Tensor rowIndices)
    {
        for (int i = 0; i < Layers; i++)
        {
            Replace(ref _keys[i], _keys[i]?.index_select(0, rowIndices));
            Replace(ref _values[i], _values[i]?.index_select(0, rowIndices));
        }
        Replace(ref _mask, _mask?.index_select(0, rowIndices));
        Replace(ref _positions, _positions?.index_select(0, rowIndices));
    }

    private static void Replace(ref Tensor? slot, Tensor? value)
    {
        var old = slot;
        slot = value?.DetachFromDisposeScope();
        old?.Dispose();
    }

    private static Tensor Concat(Tensor? old, Tensor added, long dim)
    {
        var result = (old is null ? added.alias() : cat([old, added], dim)).DetachFromDisposeScope();
        old?.Dispose();
        return result;
    }

    public void Dispose()
    {
        for (int i = 0; i < Layers; i++)
        {
            _keys[i]?.Dispose();
            _values[i]?.Dispose();
            _keys[i] = _values[i] = null;
        }
        _mask?.Dispose();
        _mask = null;
        _positions?.Dispose();
        _positions = null;
    }
}
