using LeapEngine.Core.Models.Common;
using LeapEngine.Core.Runtime;
using static TorchSharp.torch;

namespace LeapEngine.Core.Tests.Models;

/// <summary>Padding, masks, positions and the KV cache give the same numbers as plain passes.</summary>
public class BatchingAndCacheTests
{
    private static readonly int[][] Sequences = [[1, 403, 407, 261, 378, 432, 383], [1, 403, 407], [5, 9, 300, 12, 40]];

    [Theory]
    [MemberData(nameof(TestModels.Both), MemberType = typeof(TestModels))]
    public void Padded_batches_match_single_sequences(string name)
    {
        var model = TestModels.Shared(name);
        using var noGrad = no_grad();
        foreach (bool left in new[] { false, true })
        {
            var (ids, mask) = left ? TokenBatch.LeftPadded(Sequences, model.Device) : TokenBatch.RightPadded(Sequences, model.Device);
            using var batched = model.Forward(ids, new ForwardOptions { AttentionMask = mask });
            long longest = ids.shape[1];
            for (int b = 0; b < Sequences.Length; b++)
            {
                using var single = model.Forward(tensor(Sequences[b].Select(i => (long)i).ToArray()).unsqueeze(0));
                long offset = left ? longest - Sequences[b].Length : 0;
                TensorAssert.Close(single[0], batched[b].narrow(0, offset, Sequences[b].Length), 1e-4,
                    $"{name} {(left ? "left" : "right")}-padded row {b}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestModels.Both), MemberType = typeof(TestModels))]
    public void Cached_incremental_passes_match_one_full_pass(string name)
    {
        var model = TestModels.Shared(name);
        using var noGrad = no_grad();
        var ids = tensor(Sequences[0].Select(i => (long)i).ToArray()).unsqueeze(0);
        using var full = model.Forward(ids);
        using var cache = new KvCache(model.Config.NLayers);
        using var first = model.Forward(ids.narrow(1, 0, 4), new ForwardOptions { Cache = cache });
        using var second = model.Forward(ids.narrow(1, 4, 2), new ForwardOptions { Cache = cache });
        using var third = model.Forward(ids.narrow(1, 6, 1), new ForwardOptions { Cache = cache });
        Assert.Equal(7, cache.Length);
        TensorAssert.Close(full.narrow(1, 0, 4), first, 1e-4, "prefix");
        TensorAssert.Close(full.narrow(1, 4, 2), second, 1e-4, "middle");
        TensorAssert.Close(full.narrow(1, 6, 1), third, 1e-4, "last");
    }

    [Theory]
    [MemberData(nameof(TestModels.Both), MemberType = typeof(TestModels))]
    public void Logits_from_equals_the_tail_of_a_full_pass_with_and_without_padding_or_cache(string name)
    {
        // LogitsFrom runs the last block only for the tail positions (keys/values for all):
        // the tail must not change, plain, padded, or after a cache.
        var model = TestModels.Shared(name);
        using var noGrad = no_grad();
        var (ids, mask) = TokenBatch.LeftPadded(Sequences, model.Device);
        using var full = model.Forward(ids, new ForwardOptions { AttentionMask = mask });
        long tokens = ids.shape[1];
        foreach (int from in new[] { 1, 3, (int)tokens - 1, -2 })
        {
            long start = from < 0 ? tokens + from : from;
            using var tail = model.Forward(ids, new ForwardOptions { AttentionMask = mask, LogitsFrom = from });
            TensorAssert.Close(full.narrow(1, start, tokens - start), tail, 1e-5, $"{name} padded, logits from {from}");
            using var plain = model.Forward(ids.narrow(0, 0, 1));
            using var plainTail = model.Forward(ids.narrow(0, 0, 1), new ForwardOptions { LogitsFrom = from });
            TensorAssert.Close(plain.narrow(1, start, tokens - start), plainTail, 1e-5, $"{name} plain, logits from {from}");
        }
        using var cache = new KvCache(model.Config.NLayers);
        var row = ids.narrow(0, 0, 1);
        using var plainAll = model.Forward(row);
        model.Forward(row.narrow(1, 0, 3), new ForwardOptions { Cache = cache, LogitsFrom = -1 }).Dispose();
        using var rest = model.Forward(row.narrow(1, 3, tokens - 3), new ForwardOptions { Cache = cache, LogitsFrom = 2 });
        TensorAssert.Close(plainAll.narrow(1, 5, tokens - 5), rest, 1e-4, $"{name} cached, logits from 2");
        Assert.Equal(tokens, cache.Length);   // the trimmed last layer still cached every position's keys
    }

    [Fact]
    public void A_hook_on_the_last_block_still_sees_every_position_when_logits_are_trimmed()
    {
        using var model = TestModels.Stories();   // own: it hooks the last block
        using var noGrad = no_grad();
        var ids = tensor(Sequences[0].Select(i => (long)i).ToArray()).unsqueeze(0);
        string last = $"blocks.{model.Config.NLayers - 1}.hook_resid_post";
        long seen = 0;
        using (model.HookPoints[last].Add((a, _) => { seen = a.shape[1]; return null; }))
            model.Forward(ids, new ForwardOptions { LogitsFrom = -1 }).Dispose();
        Assert.Equal(Sequences[0].Length, seen);
    }

    [Fact]
    public void Expanded_prefix_cache_serves_a_batch_of_suffixes()
    {
        var model = TestModels.Shared("stories");
        using var noGrad = no_grad();
        int[] prefix = [1, 403, 407, 261];
        int[][] suffixes = [[378, 432], [300, 12], [40, 41]];
        using var cache = new KvCache(model.Config.NLayers);
        model.Forward(tensor(prefix.Select(i => (long)i).ToArray()).unsqueeze(0), new ForwardOptions { Cache = cache }).Dispose();
        using var expanded = cache.ExpandBatch(suffixes.Length);
        var suffixIds = tensor(suffixes.SelectMany(s => s).Select(i => (long)i).ToArray()).reshape(3, 2);
        using var batched = model.Forward(suffixIds, new ForwardOptions { Cache = expanded });
        for (int b = 0; b < suffixes.Length; b++)
        {
            using var single = model.Forward(tensor(prefix.Concat(suffixes[b]).Select(i => (long)i).ToArray()).unsqueeze(0));
            TensorAssert.Close(single[0].narrow(0, 4, 2), batched[b], 1e-4, $"suffix {b}");
        }
        Assert.Equal(4, cache.Length);   // the shared prefix cache is untouched
    }

    [Fact]
    public void Continuation_log_probs_match_full_softmax_and_batch_agrees()
    {
        var model = TestModels.Shared("stories");
        int[] prompt = [1, 403, 407];
        int[] continuation = [261, 378, 432];
        var scores = Scoring.ContinuationLogProbs(model, prompt, continuation);
        using var noGrad = no_grad();
        using var logits = model.Forward(tensor(prompt.Concat(continuation).Select(i => (long)i).ToArray()).unsqueeze(0));
        using var logProbs = logits[0].log_softmax(-1);
        for (int i = 0; i < continuation.Length; i++)
            Assert.Equal(logProbs[prompt.Length - 1 + i, continuation[i]].item<float>(), scores[i], 4);

        var batch = Scoring.ContinuationLogProbsBatch(model, [([1], [403, 407]), (prompt, continuation)]);
        Assert.Equal(scores, batch[1], new ToleranceComparer(1e-4));
        Assert.Equal(Scoring.ContinuationLogProbs(model, [1], [403, 407]), batch[0], new ToleranceComparer(1e-4));
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(float obj) => 0;
    }
}
