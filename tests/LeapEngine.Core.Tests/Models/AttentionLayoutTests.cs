using LeapEngine.Core.Hooks;
using LeapEngine.Core.Models.Common;
using LeapEngine.Core.Models.Common.Layouts;
using static TorchSharp.torch;

namespace LeapEngine.Core.Tests.Models;

/// <summary>
/// Each attention layout against a naive softmax written here in plain arrays (no torch
/// kernel): which keys a query sees (causal order, padding, cache, window in positions) and
/// which queries a layer keeps, on both the fused path and the explicit path a pattern hook takes;
/// and Gemma 2's soft-capped scores (tanh(s / cap) * cap before the mask) on every layout.
/// </summary>
public class AttentionLayoutTests
{
    private const int Heads = 4, KvHeads = 2, DHead = 8;

    /// <summary>Two rows of 6 tokens; the first is left-padded by 2.</summary>
    private static readonly long[,] LeftPadded = { { 0, 0, 1, 1, 1, 1 }, { 1, 1, 1, 1, 1, 1 } };

    public static TheoryData<bool, int?, long, bool> Cases()
    {
        var data = new TheoryData<bool, int?, long, bool>();
        foreach (bool padded in new[] { false, true })
            foreach (int? window in new int?[] { null, 2 })
                foreach (long queryStart in new long[] { 0, 4 })
                    foreach (bool watched in new[] { false, true })
                        data.Add(padded, window, queryStart, watched);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_layer_attends_as_a_naive_softmax_over_the_keys_its_queries_see(bool padded, int? window, long queryStart, bool watched)
    {
        using var scope = NewDisposeScope();
        var mask = padded ? tensor(LeftPadded) : null;
        var pass = ForwardContext.Create(2, 6, CPU, new ForwardOptions { AttentionMask = mask });
        Assert.IsType(padded ? typeof(MaskedLayout) : typeof(CausalLayout), pass.Layout);
        var layer = pass.Layer(0, window, queryStart);
        Assert.Equal(6 - queryStart, layer.Queries);

        var (q, k, v) = Random(2, 6, seed: 1);
        var z = layer.Attend(q.narrow(2, queryStart, 6 - queryStart), k, v, Pattern(watched));

        var visible = Visibility(mask, window);
        var expected = Naive(q, k, v, visible).narrow(2, queryStart, 6 - queryStart);
        TensorAssert.Close(expected, z, 1e-5, $"padded {padded}, window {window}, queries from {queryStart}, watched {watched}");
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData(null, true)]
    [InlineData(3, false)]
    public void A_cached_pass_sees_the_cached_keys_first_and_appends_its_own(int? window, bool watched)
    {
        using var scope = NewDisposeScope();
        using var cache = new KvCache(layers: 1);
        var (q1, k1, v1) = Random(2, 4, seed: 2);
        var firstMask = tensor(new long[,] { { 0, 1, 1, 1 }, { 1, 1, 1, 1 } });
        var first = ForwardContext.Create(2, 4, CPU, new ForwardOptions { AttentionMask = firstMask, Cache = cache });
        first.Layer(0, window).Attend(q1, k1, v1, Pattern(false));
        Assert.Equal(4, cache.Length);

        var (q2, k2, v2) = Random(2, 3, seed: 3);
        var second = ForwardContext.Create(2, 3, CPU, new ForwardOptions { Cache = cache });
        Assert.IsType<MaskedLayout>(second.Layout);
        TensorAssert.Close(tensor(new long[,] { { 3, 4, 5 }, { 4, 5, 6 } }), second.Positions, 0, "positions continue the real tokens");
        var z = second.Layer(0, window).Attend(q2, k2, v2, Pattern(watched));
        Assert.Equal(7, cache.Length);

        // The whole sequence at once, of which the second pass is the last three queries.
        var q = cat([q1, q2], 2);
        var visible = Visibility(cat([firstMask, ones(2, 3, dtype: ScalarType.Int64)], 1), window);
        var expected = Naive(q, cat([k1, k2], 2), cat([v1, v2], 2), visible).narrow(2, 4, 3);
        TensorAssert.Close(expected, z, 1e-5, $"cached, window {window}, watched {watched}");
    }

    public static TheoryData<bool, int?, long, bool> SoftCapCases() => new()
    {
        { false, null, 0, false }, { false, 2, 4, false }, { true, null, 4, false }, { true, 2, 0, true }, { false, null, 0, true },
    };

    [Theory]
    [MemberData(nameof(SoftCapCases))]
    public void Soft_capped_scores_are_capped_before_the_mask_on_causal_and_masked_layouts(bool padded, int? window, long queryStart, bool watched)
    {
        using var scope = NewDisposeScope();
        const double cap = 1.5;
        var mask = padded ? tensor(LeftPadded) : null;
        var pass = ForwardContext.Create(2, 6, CPU, new ForwardOptions { AttentionMask = mask });
        var layer = pass.Layer(0, window, queryStart);
        var (q, k, v) = Random(2, 6, seed: 4);
        var z = layer.Attend(q.narrow(2, queryStart, 6 - queryStart), k, v, Pattern(watched), cap);

        var visible = Visibility(mask, window);
        var expected = Naive(q, k, v, visible, cap).narrow(2, queryStart, 6 - queryStart);
        TensorAssert.Close(expected, z, 1e-5, $"soft cap, padded {padded}, window {window}, queries from {queryStart}, watched {watched}");
        // The cap must matter for these scores, or this test could not tell it was ignored.
        var uncapped = Naive(q, k, v, visible).narrow(2, queryStart, 6 - queryStart);
        Assert.True((uncapped - expected).abs().max().item<double>() > 1e-2);
    }

    [Theory]
    [InlineData(false, null)]
    [InlineData(false, 20)]
    [InlineData(true, null)]
    [InlineData(true, 20)]
    public void Long_soft_capped_passes_attend_chunk_by_chunk_as_one_naive_softmax(bool padded, int? window)
    {
        // 70 queries: the capped path runs them in chunks of 32 over the keys each chunk sees.
        using var scope = NewDisposeScope();
        const int tokens = 70;
        const double cap = 1.5;
        var mask = ones(2, tokens, dtype: ScalarType.Int64);
        if (padded) mask[0].narrow(0, 0, 5).fill_(0);
        var pass = ForwardContext.Create(2, tokens, CPU, new ForwardOptions { AttentionMask = padded ? mask : null });
        Assert.IsType(padded ? typeof(MaskedLayout) : typeof(CausalLayout), pass.Layout);
        var (q, k, v) = Random(2, tokens, seed: 5);
        var z = pass.Layer(0, window).Attend(q, k, v, Pattern(false), cap);
        TensorAssert.Close(Naive(q, k, v, Visibility(mask, window), cap), z, 1e-5, $"{tokens} capped queries, padded {padded}, window {window}");
    }

    [Fact]
    public void Gradients_flow_through_the_chunked_soft_capped_path_as_through_the_watched_one()
    {
        // The unwatched capped path frees its scores chunk by chunk; autograd must still have what it needs
        // (prompt optimisation differentiates through Gemma 2's attention).
        using var scope = NewDisposeScope();
        var (q0, k, v) = Random(2, 40, seed: 6);
        Tensor Gradient(bool watched)
        {
            var q = q0.clone().requires_grad_(true);
            var pass = ForwardContext.Create(2, 40, CPU, null);
            var z = pass.Layer(0, window: 7).Attend(q, k, v, Pattern(watched), softCap: 1.5);
            z.pow(2).sum().backward();
            return q.grad!.clone();
        }
        var chunked = Gradient(watched: false);
        Assert.True(chunked.abs().max().item<float>() > 1e-3);
        TensorAssert.Close(Gradient(watched: true), chunked, 1e-5, "d z^2 / d q");
    }

    [Theory]
    [InlineData(null)]
    [InlineData(2)]
    public void Soft_capped_packed_sequences_attend_as_each_sequence_alone(int? window)
    {
        using var scope = NewDisposeScope();
        const double cap = 1.5;
        int[] lengths = [4, 3];
        var packed = new PackedSequences(lengths, [0, 0], tail: 1);
        var own = lengths.Select((n, s) => Random(1, n, seed: 10 + s)).ToArray();
        // Each sequence's tokens at their row indices (bodies first, then the tails).
        Tensor Row(Func<(Tensor Q, Tensor K, Tensor V), Tensor> part, long heads)
        {
            var row = zeros(1, heads, packed.Tokens, DHead);
            for (int s = 0; s < lengths.Length; s++)
                for (int j = 0; j < lengths[s]; j++)
                    row.narrow(2, packed.RowIndex(s, j), 1).copy_(part(own[s]).narrow(2, j, 1));
            return row;
        }
        var positions = new long[1, packed.Tokens];
        for (int s = 0; s < lengths.Length; s++)
            for (int j = 0; j < lengths[s]; j++) positions[0, packed.RowIndex(s, j)] = j;
        var pass = ForwardContext.Create(1, packed.Tokens, CPU, new ForwardOptions { Packed = packed, Positions = tensor(positions) });
        var z = pass.Layer(0, window).Attend(Row(t => t.Q, Heads), Row(t => t.K, KvHeads), Row(t => t.V, KvHeads), Pattern(false), cap);

        for (int s = 0; s < lengths.Length; s++)
        {
            var (q, k, v) = own[s];
            var alone = Naive(q, k, v, Visibility(ones(1, lengths[s], dtype: ScalarType.Int64), window), cap);   // [1, head, token, d_head]
            for (int j = 0; j < lengths[s]; j++)
                TensorAssert.Close(alone.narrow(2, j, 1), z.narrow(2, packed.RowIndex(s, j), 1), 1e-5, $"sequence {s} token {j}, window {window}");
        }
    }

    [Fact]
    public void A_packed_row_keeps_only_its_tails_and_says_where_they_start()
    {
        using var scope = NewDisposeScope();
        var packed = new PackedSequences([3, 2], [0, 0], tail: 1);
        var options = new ForwardOptions { Packed = packed, Positions = tensor(new long[,] { { 0, 1, 0, 2, 1 } }) };
        var pass = ForwardContext.Create(1, 5, CPU, options);
        Assert.IsType<PackedLayout>(pass.Layout);
        Assert.Equal(3, packed.TailsStart);                               // bodies of 2 and 1 tokens, then the tails
        Assert.Equal(2, pass.Layer(0, null, packed.TailsStart).Queries);   // one tail token per sequence
        var error = Assert.Throws<ArgumentException>(() => pass.Layer(0, null, queryStart: 2));
        Assert.Contains($"only to the tails (from {packed.TailsStart})", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => pass.Layer(0, null, queryStart: 5));
    }

    [Fact]
    public void A_query_start_outside_the_pass_is_refused_with_its_range()
    {
        using var scope = NewDisposeScope();
        var pass = ForwardContext.Create(1, 4, CPU, null);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => pass.Layer(0, null, queryStart: 4));
        Assert.Contains("outside the 4 queries", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => pass.Layer(0, null, queryStart: -1));
    }

    private static HookPoint Pattern(bool watched)
    {
        var point = new HookPoint();
        if (watched) point.Observe((_, _) => { });   // an observer forces the explicit softmax path
        return point;
    }

    private static (Tensor Q, Tensor K, Tensor V) Random(long batch, long tokens, int seed)
    {
        var generator = new Generator((ulong)seed);
        return (randn([batch, Heads, tokens, DHead], generator: generator),
                randn([batch, KvHeads, tokens, DHead], generator: generator),
                randn([batch, KvHeads, tokens, DHead], generator: generator));
    }

    /// <summary>
    /// visible[b][i][j]: query i of row b sees key j. Keys up to the query; padded keys hidden, but
    /// a query always sees itself; with a window, only keys less than window positions (counting
    /// real tokens) before the query.
    /// </summary>
    private static bool[][][] Visibility(Tensor? mask, int? window)
    {
        long batch = mask?.shape[0] ?? 2, tokens = mask?.shape[1] ?? 6;
        var real = mask is null ? null : mask.data<long>().ToArray();
        var result = new bool[batch][][];
        for (long b = 0; b < batch; b++)
        {
            var positions = new long[tokens];
            long seen = 0;
            for (long t = 0; t < tokens; t++)
            {
                bool isReal = real is null || real[b * tokens + t] == 1;
                positions[t] = Math.Max(0, seen + (isReal ? 1 : 0) - 1);
                if (isReal) seen++;
            }
            result[b] = new bool[tokens][];
            for (long i = 0; i < tokens; i++)
            {
                result[b][i] = new bool[tokens];
                for (long j = 0; j <= i; j++)
                {
                    bool keyReal = real is null || real[b * tokens + j] == 1;
                    bool inWindow = window is not { } w || positions[i] - positions[j] < w;
                    result[b][i][j] = j == i || (keyReal && inWindow);
                }
            }
        }
        return result;
    }

    /// <summary>
    /// softmax(q k^T / sqrt(d)) v over the visible keys, in doubles; kv head h / (heads / kv heads) serves query head h.
    /// With <paramref name="softCap"/>, each score s is cap * tanh(s / cap) first.
    /// </summary>
    private static Tensor Naive(Tensor q, Tensor k, Tensor v, bool[][][] visible, double? softCap = null)
    {
        long batch = q.shape[0], tokens = q.shape[2];
        var qa = q.to(ScalarType.Float64).contiguous().data<double>().ToArray();
        var ka = k.to(ScalarType.Float64).contiguous().data<double>().ToArray();
        var va = v.to(ScalarType.Float64).contiguous().data<double>().ToArray();
        var z = new double[batch * Heads * tokens * DHead];
        long QIndex(long b, long h, long t, long d) => ((b * Heads + h) * tokens + t) * DHead + d;
        long KIndex(long b, long h, long t, long d) => ((b * KvHeads + h) * tokens + t) * DHead + d;
        for (long b = 0; b < batch; b++)
            for (long h = 0; h < Heads; h++)
            {
                long kvh = h / (Heads / KvHeads);
                for (long i = 0; i < tokens; i++)
                {
                    var scores = new double[tokens];
                    double max = double.NegativeInfinity;
                    for (long j = 0; j < tokens; j++)
                    {
                        if (!visible[b][i][j]) { scores[j] = double.NegativeInfinity; continue; }
                        double dot = 0;
                        for (long d = 0; d < DHead; d++) dot += qa[QIndex(b, h, i, d)] * ka[KIndex(b, kvh, j, d)];
                        scores[j] = dot / Math.Sqrt(DHead);
                        if (softCap is { } cap) scores[j] = cap * Math.Tanh(scores[j] / cap);
                        max = Math.Max(max, scores[j]);
                    }
                    double total = 0;
                    for (long j = 0; j < tokens; j++) total += scores[j] = Math.Exp(scores[j] - max);
                    for (long j = 0; j < tokens; j++)
                        for (long d = 0; d < DHead; d++)
                            z[QIndex(b, h, i, d)] += scores[j] / total * va[KIndex(b, kvh, j, d)];
                }
            }
        return tensor(z).reshape(batch, Heads, tokens, DHead);
    }
}
