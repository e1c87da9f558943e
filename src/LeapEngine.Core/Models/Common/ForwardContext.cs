using TorchSharp;
using static TorchSharp.torch;

namespace LeapEngine.Core.Models.Common;

/// <summary>
/// What every layer of one forward pass shares: positions, the additive attention bias
/// and the cache. Built once per pass inside the caller's dispose scope.
/// </summary>
public sealed class ForwardContext
{
    public required long Batch { get; init; }
    public required long Tokens { get; init; }
    public required long PastLength { get; init; }
    /// <summary>[batch, tokens] position of each new token among its sequence's real tokens.</summary>
    public required Tensor Positions { get; init; }
    /// <summary>[batch, 1, query, key] 0 where attention is allowed, -inf elsewhere; null = plain causal, no past.</summary>
    public Tensor? AttentionBias { get; init; }
    public KvCache? Cache { get; init; }

    /// <summary>
    /// This pass as seen by its last queries [from, Tokens) only (keys and values still come
    /// from every token): the last layer of a pass that needs logits only from <c>from</c> on.
    /// The bias is always explicit here, since a fused causal kernel aligns a shorter query
    /// block with the first keys, not the last.
    /// </summary>
    public ForwardContext ForQueries(long from)
    {
        if (from == 0) return this;
        if (from < 0 || from >= Tokens) throw new ArgumentOutOfRangeException(nameof(from), $"query start {from} is outside the {Tokens} tokens of this pass");
        long count = Tokens - from;
        Tensor bias;
        if (AttentionBias is { } full)
        {
            bias = full.narrow(2, from, count);                                // [batch|1, 1, query, key]
        }
        else
        {
            var device = Positions.device;
            var queryIndex = arange(from, Tokens, device: device).unsqueeze(1);  // [query, 1]
            var keyIndex = arange(Tokens, device: device).unsqueeze(0);          // [1, key]
            bias = zeros(count, Tokens, device: device)
                .masked_fill(keyIndex.gt(queryIndex), float.NegativeInfinity)
                .unsqueeze(0).unsqueeze(0);                                    // [1, 1, query, key]
        }
        return new ForwardContext
        {
            Batch = Batch,
            Tokens = count,
            PastLength = PastLength + from,
            Positions = Positions.narrow(1, from, count),
            AttentionBias = bias,
        };
    }

    public static ForwardContext Create(long batch, long tokens, Device device, ForwardOptions? options)
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
            positions = (fullMask.cumsum(1) - 1).clamp_min(0).narrow(1, past, tokens);
        }
        else
        {
            positions = arange(past, past + tokens, dtype: ScalarType.Int64, device: device).unsqueeze(0).expand(batch, -1);
        }

        Tensor? bias = null;
        if (padded || past > 0)
        {
            long keys = past + tokens;
            var queryIndex = arange(past, keys, device: device).unsqueeze(1);   // [query, 1]
            var keyIndex = arange(keys, device: device).unsqueeze(0);           // [1, key]
            var allowed = keyIndex.le(queryIndex).unsqueeze(0);                 // [1, query, key]
            if (fullMask is not null)
                allowed = allowed.logical_and(fullMask.to(ScalarType.Bool).unsqueeze(1)); // [batch, query, key]
            // A query always sees itself, so a padded query never has an all -inf row (NaN).
            allowed = allowed.logical_or(keyIndex.eq(queryIndex).unsqueeze(0));
            bias = zeros(allowed.shape, device: device)
                .masked_fill(allowed.logical_not(), float.NegativeInfinity)
                .unsqueeze(1);                                                 // [batch|1, 1, query, key]
        }

        return new ForwardContext
        {
            Batch = batch,
            Tokens = tokens,
            PastLength = past,
            Positions = positions,
            AttentionBias = bias,
            Cache = cache,
        };
    }
}
