using LeapEngine.Core.Tensors;
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
    /// <summary>
    /// [batch, key] position of every key of this pass (cached ones first), for sliding windows;
    /// null in a packed pass, whose sequences' keys are their positions in order.
    /// </summary>
    public Tensor? KeyPositions { get; init; }
    public KvCache? Cache { get; init; }
    /// <summary>Sequences packed into the one row of this pass (see <see cref="PackedSequences"/>), or null.</summary>
    public PackedSequences? Packed { get; init; }
    /// <summary>The shared cache packed sequences continue; read, never appended.</summary>
    public KvCache? PackedPrefix { get; init; }
    /// <summary>Packed pass whose queries are the sequences' tails only (the last block when only their logits are wanted).</summary>
    public bool QueriesAreTails { get; init; }

    private Dictionary<(long Queries, long Keys, int? Window), Tensor> _causalBiases = new();
    private readonly Dictionary<int, Tensor?> _windowBiases = new();

    /// <summary>
    /// [queries, keys] 0 where key &lt;= keys - queries + query, -inf after: queries that are the
    /// last ones of their key range, seeing every earlier key (with a <paramref name="window"/>:
    /// only the keys less than window positions before them). Built once per shape and pass
    /// (every layer asks for the same ones).
    /// </summary>
    public Tensor CausalBias(long queries, long keys, int? window = null)
    {
        if (!_causalBiases.TryGetValue((queries, keys, window), out var bias))
        {
            var device = Positions.device;
            bias = zeros(queries, keys, device: device);
            bias.narrow(1, keys - queries, queries).MaskedFillInPlace(
                ones(queries, queries, dtype: ScalarType.Bool, device: device).triu(1), double.NegativeInfinity);
            if (window is { } w && keys > w)
            {
                var queryIndex = ScalarOps.Arange(keys - queries, keys, device: device).unsqueeze(1);  // [query, 1]
                var keyIndex = ScalarOps.Arange(0, keys, device: device).unsqueeze(0);                // [1, key]
                bias.MaskedFillInPlace((queryIndex - keyIndex).IsAtLeast(w), double.NegativeInfinity);
            }
            _causalBiases[(queries, keys, window)] = bias;
        }
        return bias;
    }

    /// <summary>
    /// The bias of a layer that attends within <paramref name="window"/> positions (null: no
    /// window): <see cref="AttentionBias"/>, with -inf also where the query's position is window
    /// or more after the key's. Distances are positions, not indices, so padding, hidden tokens
    /// and a cache measure them as the unpadded sequence does. AttentionBias itself (null: plain
    /// causal) when no query of the pass reaches past the window. Built once per window and pass.
    /// </summary>
    public Tensor? BiasFor(int? window)
    {
        if (window is not { } w) return AttentionBias;
        if (KeyPositions is null)
            throw new InvalidOperationException("a packed pass applies its window per sequence (CausalBias)");
        if (_windowBiases.TryGetValue(w, out var cached)) return cached;
        var bias = AttentionBias;
        // Most passes of a model with a long window (Mistral's 4096) never reach past it: one
        // comparison of the extreme positions settles that before any [query, key] tensor is made.
        if ((Positions.max() - KeyPositions.min()).item<long>() >= w)
        {
            var far = (Positions.unsqueeze(2) - KeyPositions.unsqueeze(1)).IsAtLeast(w); // [batch, query, key]
            var baseBias = AttentionBias
                ?? CausalBias(Tokens, KeyPositions.shape[1]).unsqueeze(0).unsqueeze(0); // [batch|1, 1, query, key]
            bias = baseBias.MaskedFill(far.unsqueeze(1), double.NegativeInfinity);       // [batch, 1, query, key]
        }
        _windowBiases[w] = bias;
        return bias;
    }

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
        if (Packed is { } packed)
        {
            if (from != packed.TailsStart)
                throw new ArgumentException($"a packed pass narrows its queries only to the tails (from {packed.TailsStart}), not from {from}");
            return new ForwardContext
            {
                Batch = Batch,
                Tokens = count,
                PastLength = 0,
                Positions = Positions.narrow(1, from, count),
                Packed = packed,
                PackedPrefix = PackedPrefix,
                QueriesAreTails = true,
                _causalBiases = _causalBiases,
            };
        }
        Tensor bias;
        if (AttentionBias is { } full)
        {
            bias = full.narrow(2, from, count);                                // [batch|1, 1, query, key]
        }
        else
        {
            var device = Positions.device;
            var queryIndex = ScalarOps.Arange(from, Tokens, device: device).unsqueeze(1);  // [query, 1]
            var keyIndex = ScalarOps.Arange(0, Tokens, device: device).unsqueeze(0);       // [1, key]
            bias = zeros(count, Tokens, device: device)
                .MaskedFill(keyIndex.gt(queryIndex), double.NegativeInfinity)
                .unsqueeze(0).unsqueeze(0);                                    // [1, 1, query, key]
        }
        return new ForwardContext
        {
            Batch = Batch,
            Tokens = count,
            PastLength = PastLength + from,
            Positions = Positions.narrow(1, from, count),
            AttentionBias = bias,
            KeyPositions = KeyPositions,
        };
    }

    public static ForwardContext Create(long batch, long tokens, Device device, ForwardOptions? options)
    {
        if (options?.Packed is { } packed) return CreatePacked(batch, tokens, options, packed);
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

        Tensor? bias = null;
        if (padded || past > 0)
        {
            long keys = past + tokens;
            var queryIndex = ScalarOps.Arange(past, keys, device: device).unsqueeze(1);   // [query, 1]
            var keyIndex = ScalarOps.Arange(0, keys, device: device).unsqueeze(0);       // [1, key]
            var allowed = keyIndex.le(queryIndex).unsqueeze(0);                 // [1, query, key]
            if (fullMask is not null)
                allowed = allowed.logical_and(fullMask.to(ScalarType.Bool).unsqueeze(1)); // [batch, query, key]
            // A query always sees itself, so a padded query never has an all -inf row (NaN).
            allowed = allowed.logical_or(keyIndex.eq(queryIndex).unsqueeze(0));
            bias = zeros(allowed.shape, device: device)
                .MaskedFill(allowed.logical_not(), double.NegativeInfinity)
                .unsqueeze(1);                                                 // [batch|1, 1, query, key]
        }

        return new ForwardContext
        {
            Batch = batch,
            Tokens = tokens,
            PastLength = past,
            Positions = positions,
            AttentionBias = bias,
            KeyPositions = cache is not null ? cache.AppendPositions(positions) : positions,
            Cache = cache,
        };
    }

    private static ForwardContext CreatePacked(long batch, long tokens, ForwardOptions options, PackedSequences packed)
    {
        if (batch != 1 || tokens != packed.Tokens)
            throw new ArgumentException($"packed sequences run as one row of {packed.Tokens} tokens, got [{batch}, {tokens}]");
        if (options.AttentionMask is not null)
            throw new ArgumentException("a packed pass takes no attention mask (each sequence sees its prefix and its own tokens)");
        if (options.Positions is not { } given || given.dim() != 2 || given.shape[0] != 1 || given.shape[1] != tokens)
            throw new ArgumentException($"a packed pass needs explicit positions [1, {tokens}]");
        var cache = options.Cache;
        if (cache is not null && cache.Batch > 1)
            throw new ArgumentException($"packed sequences continue a batch-1 cache, this one holds {cache.Batch}");
        for (int s = 0; s < packed.Count; s++)
            if (packed.CachedPrefix(s) > (cache?.Length ?? 0))
                throw new ArgumentException($"packed sequence {s} continues {packed.CachedPrefix(s)} cached positions, the cache holds {cache?.Length ?? 0}");
        return new ForwardContext
        {
            Batch = 1,
            Tokens = tokens,
            PastLength = 0,
            Positions = given.to(ScalarType.Int64),
            Packed = packed,
            PackedPrefix = cache,
        };
    }
}
