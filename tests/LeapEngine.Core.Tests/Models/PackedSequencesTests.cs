using LeapEngine.Core.Models.Common;
using static TorchSharp.torch;

namespace LeapEngine.Core.Tests.Models;

/// <summary>
/// Sequences packed into one row (no padding), each continuing part of a shared cache, give
/// the numbers of running each sequence alone.
/// </summary>
public class PackedSequencesTests
{
    private static readonly long[] Original = [1, 403, 407, 261, 378, 432, 383, 290, 12, 40];

    /// <summary>Each packed sequence: how many leading positions of Original it takes from the cache, then its own tokens.</summary>
    private static readonly (int Cached, long[] Own)[] Sequences =
    [
        (0, [1, 403, 261, 378, 432]),     // no cache
        (3, [378, 432, 383, 290]),        // drops token 3
        (6, [290, 12, 40]),               // drops token 6
        (9, [40, 7]),                     // whole prompt cached but the last token
    ];

    [Theory]
    [MemberData(nameof(TestModels.Both), MemberType = typeof(TestModels))]
    public void Packed_sequences_match_each_sequence_alone(string name)
    {
        var model = TestModels.Shared(name);
        using var noGrad = no_grad();
        using var prefix = new KvCache(model.Config.NLayers);
        using (model.Forward(tensor(Original).unsqueeze(0), new ForwardOptions { Cache = prefix })) { }

        const int tail = 2;
        var packed = new PackedSequences(Sequences.Select(s => s.Own.Length).ToArray(), Sequences.Select(s => s.Cached).ToArray(), tail);
        var ids = new long[1, packed.Tokens];
        var positions = new long[1, packed.Tokens];
        for (int s = 0; s < Sequences.Length; s++)
            for (int j = 0; j < Sequences[s].Own.Length; j++)
            {
                ids[0, packed.RowIndex(s, j)] = Sequences[s].Own[j];
                positions[0, packed.RowIndex(s, j)] = Sequences[s].Cached + j;
            }
        var options = new ForwardOptions { Positions = tensor(positions), Cache = prefix, Packed = packed };
        using var all = model.Forward(tensor(ids), options);                                               // [1, tokens, vocab]
        using var tails = model.Forward(tensor(ids), new ForwardOptions { Positions = tensor(positions), Cache = prefix, Packed = packed, LogitsFrom = packed.TailsStart });
        Assert.Equal(Sequences.Length * tail, tails.shape[1]);
        Assert.Equal(Original.Length, prefix.Length);   // read, never appended

        for (int s = 0; s < Sequences.Length; s++)
        {
            var whole = Original.Take(Sequences[s].Cached).Concat(Sequences[s].Own).ToArray();
            using var alone = model.Forward(tensor(whole).unsqueeze(0));                                   // [1, cached + own, vocab]
            for (int j = 0; j < Sequences[s].Own.Length; j++)
                TensorAssert.Close(alone[0, Sequences[s].Cached + j], all[0, packed.RowIndex(s, j)], 1e-4, $"{name} sequence {s} token {j}");
            for (int j = 0; j < tail; j++)
                TensorAssert.Close(alone[0, whole.Length - tail + j], tails[0, s * tail + j], 1e-4, $"{name} sequence {s} tail {j}");
        }
    }

    [Fact]
    public void Layout_puts_bodies_first_then_tails()
    {
        var packed = new PackedSequences([4, 2, 3], [0, 5, 1], tail: 2);
        Assert.Equal(9, packed.Tokens);
        Assert.Equal(3, packed.TailsStart);                           // bodies of 2, 0 and 1 tokens
        Assert.Equal([0, 1, 3, 4], Enumerable.Range(0, 4).Select(j => packed.RowIndex(0, j)));
        Assert.Equal([5, 6], Enumerable.Range(0, 2).Select(j => packed.RowIndex(1, j)));
        Assert.Equal([2, 7, 8], Enumerable.Range(0, 3).Select(j => packed.RowIndex(2, j)));
    }

    [Fact]
    public void Bad_layouts_and_passes_are_clear_errors()
    {
        Assert.Contains("fewer than the tail", Assert.Throws<ArgumentException>(() => new PackedSequences([1, 3], [0, 0], tail: 2)).Message);
        Assert.Contains("cached-prefix", Assert.Throws<ArgumentException>(() => new PackedSequences([3], [0, 0], tail: 1)).Message);

        using var model = TestModels.Gpt2Tiny();   // own: it hooks the attention pattern
        using var noGrad = no_grad();
        var packed = new PackedSequences([3, 2], [0, 0], tail: 1);
        var ids = tensor(new long[] { 5, 6, 7, 8, 9 }).unsqueeze(0);
        var positions = tensor(new long[] { 0, 1, 0, 2, 1 }).unsqueeze(0);
        Assert.Contains("explicit positions", Assert.Throws<ArgumentException>(() => model.Forward(ids, new ForwardOptions { Packed = packed })).Message);
        Assert.Contains("no attention mask", Assert.Throws<ArgumentException>(() =>
            model.Forward(ids, new ForwardOptions { Packed = packed, Positions = positions, AttentionMask = ones(1, 5, dtype: ScalarType.Int64) })).Message);
        Assert.Contains("only to the tails", Assert.Throws<ArgumentException>(() =>
            model.Forward(ids, new ForwardOptions { Packed = packed, Positions = positions, LogitsFrom = 1 })).Message);
        Assert.Contains("the cache holds 0", Assert.Throws<ArgumentException>(() =>
            model.Forward(ids, new ForwardOptions { Packed = new PackedSequences([3, 2], [1, 0], tail: 1), Positions = positions })).Message);
        using var hook = model.HookPoints["blocks.0.attn.hook_pattern"].Add((a, _) => null);
        Assert.Throws<NotSupportedException>(() => model.Forward(ids, new ForwardOptions { Packed = packed, Positions = positions }));
    }
}
