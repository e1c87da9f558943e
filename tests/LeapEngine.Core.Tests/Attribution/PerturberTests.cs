using LeapEngine.Core.Attribution;
using static TorchSharp.torch;

namespace LeapEngine.Core.Tests.Attribution;

public class PerturberTests
{
    [Fact]
    public void Remove_replace_and_hide_change_what_they_say()
    {
        var model = AttributionModels.Stories();
        var prompt = model.Encode("The cat sat on the mat.").Ids.ToArray();
        var removed = new Perturber(model, prompt, PerturbationSpec.Remove).Apply([2, 3]);
        Assert.Equal(prompt.Where((_, i) => i is not (2 or 3)), removed.Ids);
        Assert.Equal(2, removed.FirstChanged);
        Assert.Null(removed.Hidden);

        var replaced = new Perturber(model, prompt, PerturbationSpec.Parse("token:7")).Apply([4]);
        Assert.Equal(7, replaced.Ids[4]);
        Assert.Equal(prompt.Length, replaced.Ids.Length);
        Assert.Equal(4, replaced.FirstChanged);

        var hidden = new Perturber(model, prompt, PerturbationSpec.Parse("hide")).Apply([1, 5]);
        Assert.Equal(prompt, hidden.Ids);
        Assert.Equal([false, true, false, false, false, true], hidden.Hidden!.Take(6));

        // Everything removed: the prompt falls back to BOS so the completion still has a condition.
        var all = new Perturber(model, prompt, PerturbationSpec.Remove).Apply(Enumerable.Range(0, prompt.Length));
        Assert.Equal([model.BosId!.Value], all.Ids);
        Assert.Equal(prompt, new Perturber(model, prompt, PerturbationSpec.Remove).Apply([]).Ids);
    }

    [Fact]
    public void Replacement_token_must_be_one_token()
    {
        var model = AttributionModels.Stories();
        Assert.Throws<ArgumentException>(() => Perturber.ResolveToken(model, "extraordinary"));
        Assert.Throws<ArgumentException>(() => Perturber.ResolveToken(model, "100000"));
        Assert.Equal(model.Encode("the", addBos: false).Ids.Single(), Perturber.ResolveToken(model, "the"));
    }

    [Fact]
    public void Nearest_and_farthest_match_a_brute_force_cosine()
    {
        var model = AttributionModels.Stories();
        using var scope = NewDisposeScope();
        var table = model.Network.TokenEmbeddings.to(ScalarType.Float64);
        int[] ids = [403, 261, 57, 378];
        int vocab = model.Tokenizer.VocabSize;
        var special = new[] { model.BosId, model.EosId }.OfType<int>().ToHashSet();
        foreach (int rank in new[] { 1, 2, -1 })
        {
            var chosen = NearestTokens.Table(model, ids, rank);
            foreach (int id in ids)
            {
                var cosines = Enumerable.Range(0, vocab).Where(v => v != id && !special.Contains(v))
                    .Select(v => (v, c: Cosine(table[id], table[v])))
                    .OrderByDescending(x => x.c).ToList();
                var expected = rank > 0 ? cosines[rank - 1] : cosines[^(-rank)];
                // Untrained byte tokens share one embedding: any token tied with the expected one is right.
                Assert.True(Math.Abs(cosines.First(x => x.v == chosen[id]).c - expected.c) < 1e-6, $"rank {rank} of {id}: expected {expected.v} ({expected.c:F6}), got {chosen[id]} ({cosines.First(x => x.v == chosen[id]).c:F6})");
            }
        }
        Assert.Throws<ArgumentException>(() => NearestTokens.Table(model, ids, vocab + 5));
    }

    private static double Cosine(Tensor a, Tensor b) => (a.dot(b) / (a.norm() * b.norm())).item<double>();
}
