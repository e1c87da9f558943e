using LeapEngine.Core.Hooks;
using LeapEngine.Core.Models.Common;
using LeapEngine.Core.Runtime;
using LeapEngine.Core.Serving;
using LeapEngine.Core.Tests.ModelSharing;

namespace LeapEngine.Core.Tests.Serving;

/// <summary>
/// The served prompt cache: a prompt that repeats a kept prompt's first tokens runs only the rest, and its answer
/// (teacher-forced scores with their ranks and alternatives, sampled tokens) is the uncached answer to float
/// rounding. Scopes never share, bytes stay bounded, and evicting never pulls tensors from under a pass.
/// The class owns its stories260K: it counts the tokens each pass runs with a hook.
/// </summary>
public sealed class PromptCacheTests(OwnStoriesFixture fixture) : IClassFixture<OwnStoriesFixture>
{
    private const string Text = "Once upon a time, there was a little girl named Lily. She liked to play in the park with her big red ball.";
    private LanguageModel Model => fixture.Model;

    /// <summary>Runs a scoring (and, with maxNew, greedy) request; returns its scores, tokens and the positions the network ran.</summary>
    private (IReadOnlyList<PromptTokenScore> Scores, int[] Tokens, long Ran) Run(int[] ids, PromptCache? cache, string scope = "t",
        int top = 2, int maxNew = 0)
    {
        long ran = 0;
        using var count = Model.Network.Observe(("hook_embed", (x, _) => Interlocked.Add(ref ran, x.shape[0] * x.shape[1])));
        var tokens = new List<int>();
        var scores = CompletionSampler.Run(Model.Network,
            new ServingRequest { PromptIds = ids, MaxNewTokens = maxNew, Temperature = 0, PromptLogProbs = top, TopLogProbs = 1 },
            Model.EosId, null, t => { tokens.Add(t.Id); return true; }, cache: cache, cacheScope: scope)!;
        return (scores, tokens.ToArray(), ran);
    }

    private int[] Ids(string text) => Model.PromptIds(text);

    /// <summary>The original with one word removed: the perturbation workload the cache is for.</summary>
    private int[] Without(string word) => Ids(Text.Replace(" " + word, ""));

    private static void AssertSameScores(IReadOnlyList<PromptTokenScore> expected, IReadOnlyList<PromptTokenScore> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Id, actual[i].Id);
            if (expected[i].LogProb is null)
            {
                Assert.Null(actual[i].LogProb);
                continue;
            }
            Assert.Equal(expected[i].LogProb!.Value, actual[i].LogProb!.Value, 1e-4);
            Assert.Equal(expected[i].Rank, actual[i].Rank);
            Assert.Equal(expected[i].Top.Select(t => t.Id), actual[i].Top.Select(t => t.Id));
            for (int k = 0; k < expected[i].Top.Count; k++) Assert.Equal(expected[i].Top[k].LogProb, actual[i].Top[k].LogProb, 1e-4);
        }
    }

    [Fact]
    public void A_perturbed_prompt_runs_from_its_first_change_and_scores_as_without_the_cache()
    {
        using var cache = new PromptCache(64L << 20);
        var original = Ids(Text);
        var (_, _, first) = Run(original, cache);
        Assert.Equal(original.Length, first);
        var perturbed = Without("park");
        int firstChange = Enumerable.Range(0, perturbed.Length).First(i => perturbed[i] != original[i]);
        var (cached, _, ran) = Run(perturbed, cache);
        // Tokens before the change come from the cache, but the one before it runs again (its logits score the change).
        Assert.Equal(perturbed.Length - (firstChange - 1), ran);
        Assert.Equal(firstChange - 1, cache.ReusedTokens);
        var (uncached, _, _) = Run(perturbed, null);
        AssertSameScores(uncached, cached);
    }

    [Fact]
    public void The_same_prompt_again_runs_one_token_and_generates_the_same_greedy_continuation()
    {
        using var cache = new PromptCache(64L << 20);
        var ids = Ids(Text);
        var (firstScores, firstTokens, _) = Run(ids, cache, maxNew: 12);
        long bytes = cache.Bytes;
        var (againScores, againTokens, ran) = Run(ids, cache, maxNew: 12);
        Assert.Equal((1, bytes), (cache.Count, cache.Bytes));   // the prompt is held once, not again
        Assert.Equal(1 + 11, ran);   // the last prompt token, then 11 decode steps (the 12th token needs no pass)
        AssertSameScores(firstScores, againScores);
        Assert.Equal(firstTokens, againTokens);
    }

    [Fact]
    public void Scopes_never_share_a_prompt()
    {
        using var cache = new PromptCache(64L << 20);
        var ids = Ids(Text);
        Run(ids, cache, scope: "tenant-a");
        var (_, _, ran) = Run(ids, cache, scope: "tenant-b");
        Assert.Equal(ids.Length, ran);
        Assert.Equal(0, cache.Hits);
    }

    [Fact]
    public void A_prompt_scored_with_fewer_alternatives_is_not_reused_for_more()
    {
        using var cache = new PromptCache(64L << 20);
        var ids = Ids(Text);
        Run(ids, cache, top: 1);
        var (more, _, ran) = Run(ids, cache, top: 5);
        Assert.Equal(ids.Length, ran);
        Assert.All(more.Skip(1), s => Assert.Equal(5, s.Top.Count));
        var (fewer, _, ranFewer) = Run(ids, cache, top: 3);   // the top-5 entry serves top 3, trimmed
        Assert.Equal(1, ranFewer);
        Assert.All(fewer.Skip(1), s => Assert.Equal(3, s.Top.Count));
    }

    [Fact]
    public void Kept_bytes_stay_within_the_bound_and_a_disabled_cache_keeps_nothing()
    {
        var ids = Ids(Text);
        long one;
        using (var probe = new PromptCache(64L << 20))
        {
            Run(ids, probe);
            one = probe.Bytes;
            Assert.True(one > 0);
        }
        using var cache = new PromptCache(one * 2 + one / 2);   // room for two prompts of this length
        foreach (var word in new[] { "park", "ball", "Lily", "girl", "little" }) Run(Without(word), cache);
        Assert.True(cache.Bytes <= cache.MaxBytes, $"{cache.Bytes} bytes kept, bound {cache.MaxBytes}");
        Assert.True(cache.Count <= 2);

        using var off = new PromptCache(0);
        Run(ids, off);
        var (_, _, ran) = Run(ids, off);
        Assert.Equal(ids.Length, ran);
        Assert.Equal(0, off.Count);
    }

    [Fact]
    public void A_cache_must_be_batch_one_and_cover_the_prompt_exactly()
    {
        using var cache = new PromptCache(64L << 20);
        using var empty = new KvCache(Model.Network.Config.NLayers);
        var e = Assert.Throws<ArgumentException>(() => cache.Add("t", [1, 2, 3], empty, null, 0));
        Assert.Contains("batch-1 cache of its 3 positions", e.Message);
        Assert.Throws<ArgumentException>(() => new PromptCache(-1));
    }

    /// <summary>
    /// Invariant: a pass reading a cached prefix keeps its own views, so eviction by another thread (a bound of about
    /// one prompt, so every add evicts) never frees tensors in use; every answer equals the uncached one.
    /// </summary>
    [Fact]
    public void Concurrent_passes_with_constant_eviction_answer_as_without_the_cache()
    {
        var words = new[] { "park", "ball", "Lily", "girl", "little", "play", "red", "big" };
        var prompts = words.Select(Without).Prepend(Ids(Text)).ToArray();
        var expected = prompts.Select(p => Run(p, null).Scores).ToArray();
        using var probe = new PromptCache(64L << 20);
        Run(prompts[0], probe);
        using var cache = new PromptCache(probe.Bytes + probe.Bytes / 2);
        var results = new IReadOnlyList<PromptTokenScore>[4, prompts.Length];
        // The network is this class's own; the hook-free sampler runs on four threads at once, as the server's threads do.
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, worker =>
        {
            for (int round = 0; round < prompts.Length; round++)
            {
                int p = (round + worker) % prompts.Length;
                results[worker, p] = CompletionSampler.Run(Model.Network,
                    new ServingRequest { PromptIds = prompts[p], MaxNewTokens = 0, PromptLogProbs = 2 }, Model.EosId, null, _ => true,
                    cache: cache, cacheScope: "t")!;
            }
        });
        for (int w = 0; w < 4; w++)
            for (int p = 0; p < prompts.Length; p++)
                AssertSameScores(expected[p], results[w, p]);
        Assert.True(cache.Hits > 0);
        Assert.True(cache.Bytes <= cache.MaxBytes);
    }
}
