using LeapEngine.Core.Hooks;
using static TorchSharp.torch;

namespace LeapEngine.Core.Models.Common.Layouts;

/// <summary>
/// Sequences packed into the one row of a pass (see <see cref="PackedSequences"/>), attended
/// one at a time: a sequence's keys are its cached prefix, its body and its tail, so no query
/// meets a key of another sequence or padding. Queries are the whole row, or the tails only
/// (the last layer when only the tails' logits are wanted).
/// </summary>
public sealed class PackedLayout : AttentionLayout
{
    private readonly PackedSequences _packed;
    private readonly KvCache? _prefix;
    private readonly bool _tailsOnly;
    // Causal biases by (queries, keys, window), shared with the tails-only view: every layer
    // and sequence of equal length asks for the same ones.
    private readonly Dictionary<(long Queries, long Keys, int? Window), Tensor> _causalBiases;

    private PackedLayout(Tensor positions, PackedSequences packed, KvCache? prefix, bool tailsOnly,
        Dictionary<(long, long, int?), Tensor> causalBiases) : base(positions)
    {
        _packed = packed;
        _prefix = prefix;
        _tailsOnly = tailsOnly;
        _causalBiases = causalBiases;
    }

    /// <summary>
    /// The layout of a packed pass: input [1, packed.Tokens], explicit positions, no mask;
    /// the options' cache is the shared batch-1 prefix, read and never appended.
    /// </summary>
    internal static PackedLayout Create(long batch, long tokens, ForwardOptions options, PackedSequences packed)
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
        return new PackedLayout(given.to(ScalarType.Int64), packed, cache, tailsOnly: false, new());
    }

    /// <summary>A packed row narrows its queries only to the tails block, whose start is <see cref="PackedSequences.TailsStart"/>.</summary>
    public override AttentionLayout KeepQueriesFrom(long from)
    {
        if (from == 0) return this;
        CheckQueryStart(from);
        if (from != _packed.TailsStart)
            throw new ArgumentException($"a packed pass narrows its queries only to the tails (from {_packed.TailsStart}), not from {from}");
        return new PackedLayout(Positions.narrow(1, from, Queries - from), _packed, _prefix, tailsOnly: true, _causalBiases);
    }

    /// <summary>Returns z in the row's layout (bodies, then tails; tails only in the tails-only view).</summary>
    public override Tensor Attend(Tensor q, Tensor k, Tensor v, int layer, int? window, HookPoint hookPattern, double? softCap = null)
    {
        if (hookPattern.HasHooks)
            throw new NotSupportedException("attention-pattern hooks see [batch, head, query, key] patterns, which a packed pass does not have: run the sequences padded");
        var packed = _packed;
        long heads = q.shape[1];
        var (prefixKeys, prefixValues) = _prefix?.Layer(layer) ?? (null, null);
        var bodies = new List<Tensor>();
        var tails = new List<Tensor>();
        for (int s = 0; s < packed.Count; s++)
        {
            int body = packed.BodyLength(s), cached = packed.CachedPrefix(s);
            // This sequence's positions of t [1, head, token, d_head], after the cached ones of prefix when given.
            Tensor Own(Tensor t, Tensor? prefix)
            {
                var parts = new List<Tensor>();
                if (prefix is not null && cached > 0) parts.Add(prefix.narrow(2, 0, cached));
                if (body > 0) parts.Add(t.narrow(2, packed.BodyStart(s), body));
                parts.Add(t.narrow(2, packed.TailStart(s), packed.Tail));
                return parts.Count == 1 ? parts[0] : cat(parts, 2);
            }
            var keys = AttentionKernels.ForEveryHead(Own(k, prefixKeys), heads);    // [1, head, cached + length, d_head]
            var values = AttentionKernels.ForEveryHead(Own(v, prefixValues), heads);
            if (_tailsOnly)
            {
                tails.Add(CausalAfter(q.narrow(2, s * packed.Tail, packed.Tail), keys, values, window, softCap));
            }
            else
            {
                var z = CausalAfter(Own(q, null), keys, values, window, softCap);           // [1, head, length, d_head]
                if (body > 0) bodies.Add(z.narrow(2, 0, body));
                tails.Add(z.narrow(2, body, packed.Tail));
            }
        }
        return cat([.. bodies, .. tails], 2);                                  // [1, head, query, d_head]
    }

    /// <summary>
    /// q [1, head, query, d_head] are the LAST queries of one sequence's k/v, whose keys are its
    /// positions in order (so a window is a band of indices).
    /// </summary>
    private Tensor CausalAfter(Tensor q, Tensor k, Tensor v, int? window, double? softCap) =>
        AttentionKernels.CausalAfter(q, k, v, (queries, keys) => CausalBias(queries, keys, window, q.device), softCap);

    private Tensor CausalBias(long queries, long keys, int? window, Device device)
    {
        if (!_causalBiases.TryGetValue((queries, keys, window), out var bias))
            _causalBiases[(queries, keys, window)] = bias = AttentionKernels.CausalBias(queries, keys, window, device);
        return bias;
    }
}
