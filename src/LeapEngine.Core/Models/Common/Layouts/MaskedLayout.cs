using LeapEngine.Core.Hooks;
using LeapEngine.Core.Tensors;
using static TorchSharp.torch;

namespace LeapEngine.Core.Models.Common.Layouts;

/// <summary>
/// Rows that each hold one sequence, with padding and/or a KV cache: an additive bias
/// [batch|1, 1, query, key] says which keys (cached ones first) each query sees. Each layer
/// appends its new keys and values to the cache before attending.
/// </summary>
public sealed class MaskedLayout : AttentionLayout
{
    private readonly Tensor _keyPositions;
    private readonly Tensor _bias;
    private readonly KvCache? _cache;
    private readonly long _past;
    private readonly WindowedBias _windows;

    /// <param name="positions">[batch, query] positions of the queries.</param>
    /// <param name="keyPositions">[batch, key] positions of every key (cached ones first).</param>
    /// <param name="bias">[batch|1, 1, query, key] 0 where attention is allowed, -inf elsewhere.</param>
    /// <param name="cache">Appended to by every layer; null when the keys are this pass's tokens alone.</param>
    /// <param name="past">Keys before the first query's own (query j sees at most keys 0..past + j).</param>
    internal MaskedLayout(Tensor positions, Tensor keyPositions, Tensor bias, KvCache? cache, long past) : base(positions)
    {
        _keyPositions = keyPositions;
        _bias = bias;
        _cache = cache;
        _past = past;
        _windows = new WindowedBias(positions, keyPositions, bias);
    }

    public override Tensor Attend(Tensor q, Tensor k, Tensor v, int layer, int? window, HookPoint hookPattern, double? softCap = null)
    {
        if (_cache is not null) (k, v) = _cache.Append(layer, k, v);
        (k, v) = (AttentionKernels.ForEveryHead(k, q.shape[1]), AttentionKernels.ForEveryHead(v, q.shape[1]));
        var bias = _windows.For(window)!;
        if (hookPattern.HasHooks) return AttentionKernels.Explicit(q, k, v, bias, hookPattern, softCap);
        return softCap is { } cap
            ? AttentionKernels.Capped(q, k, v, bias, _past, cap)
            : AttentionKernels.FusedWithBias(q, k, v, bias, _past);
    }

    /// <summary>The last queries: their rows of the bias; the cache is still appended to in full.</summary>
    public override AttentionLayout KeepQueriesFrom(long from)
    {
        if (from == 0) return this;
        CheckQueryStart(from);
        long count = Queries - from;
        return new MaskedLayout(Positions.narrow(1, from, count), _keyPositions, _bias.narrow(2, from, count), _cache, _past + from);
    }

    /// <summary>
    /// The layout of a pass over <paramref name="tokens"/> new tokens per row with the options'
    /// padding mask, positions and cache: causal when there is neither padding nor a cache.
    /// </summary>
    internal static AttentionLayout Create(long batch, long tokens, Device device, ForwardOptions? options)
    {
        var cache = options?.Cache;
        long past = cache?.Length ?? 0;
        if (cache is { Length: > 0 } && cache.Batch != batch)
            throw new ArgumentException($"the cache holds {cache.Batch} sequences but the input has {batch}");

        var newMask = options?.AttentionMask;
        if (newMask is not null && (newMask.dim() != 2 || newMask.shape[0] != batch || newMask.shape[1] != tokens))
            throw new ArgumentException(
                $"attention mask must be [batch {batch}, tokens {tokens}], got [{string.Join(", ", newMask.shape)}]");

        // Only a pass with padding, or with a cache (which must record every position), needs the mask.
        bool padded = newMask is not null || cache is not null;
        Tensor? fullMask = null;
        if (padded)
        {
            var mask = (newMask ?? ones(batch, tokens, device: device)).to(ScalarType.Int64);
            fullMask = cache is not null ? cache.AppendMask(mask) : mask;
        }

        Tensor positions;
        if (options?.Positions is { } given)
        {
            if (given.dim() != 2 || given.shape[0] != batch || given.shape[1] != tokens)
                throw new ArgumentException($"positions must be [batch {batch}, tokens {tokens}]");
            positions = given.to(ScalarType.Int64);
        }
        else if (fullMask is not null)
        {
            // Position = number of real tokens before this one in its sequence.
            positions = fullMask.cumsum(1).Minus(1).ClampMin(0).narrow(1, past, tokens);
        }
        else
        {
            positions = ScalarOps.Arange(past, past + tokens, device: device).unsqueeze(0).expand(batch, -1);
        }

        if (!padded) return new CausalLayout(positions);

        long keys = past + tokens;
        var queryIndex = ScalarOps.Arange(past, keys, device: device).unsqueeze(1);   // [query, 1]
        var keyIndex = ScalarOps.Arange(0, keys, device: device).unsqueeze(0);       // [1, key]
        var allowed = keyIndex.le(queryIndex).unsqueeze(0);                 // [1, query, key]
        if (fullMask is not null)
            allowed = allowed.logical_and(fullMask.to(ScalarType.Bool).unsqueeze(1)); // [batch, query, key]
        // A query always sees itself, so a padded query never has an all -inf row (NaN).
        allowed = allowed.logical_or(keyIndex.eq(queryIndex).unsqueeze(0));
        var bias = zeros(allowed.shape, device: device)
            .MaskedFill(allowed.logical_not(), double.NegativeInfinity)
            .unsqueeze(1);                                                 // [batch|1, 1, query, key]
        var keyPositions = cache is not null ? cache.AppendPositions(positions) : positions;
        return new MaskedLayout(positions, keyPositions, bias, cache, past);
    }
}
