using LeapEngine.Core.Attribution;
using LeapEngine.Core.Models;
using LeapEngine.Core.Models.Common;
using LeapEngine.Core.Models.Loading;
using LeapEngine.Core.Runtime;
using LeapEngine.Core.Tensors;
using System.Text.Json;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace LeapEngine.Core.Tests.Models;

/// <summary>
/// Mistral's sliding_window, Qwen2's use_sliding_window (with max_window_layers), Llama 3.1's
/// llama3 rope_scaling, Phi-3 (fused projections, windowed) and Gemma 2 (soft caps, alternating windows) against an
/// independent PyTorch reference (References/make_fixtures.py),
/// and every padded, cached and packed path of a windowed model against the plain pass.
/// </summary>
public class SlidingWindowAndRopeScalingTests(ITestOutputHelper output)
{
    public static TheoryData<string> Cases => new() { "mistral-window", "qwen2-window", "llama3-rope", "phi3-window", "gemma2-window" };
    public static TheoryData<string> Windowed => new() { "mistral-window", "qwen2-window", "phi3-window", "gemma2-window" };

    private static string Dir(string name) => Path.Combine(AppContext.BaseDirectory, "Models", "References", name);
    private static TransformerModel Load(string name) => TransformerFactory.LoadHuggingFace(Dir(name));

    // Vocab 96; every sequence but the short one is longer than the windows (4, 3, 5 and Gemma 2's 4).
    private static readonly int[][] Sequences = [[1, 40, 47, 61, 78, 32, 83, 90, 12, 40, 7], [1, 40, 47], [5, 9, 30, 12, 40, 3, 77]];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_the_reference_logits_and_pattern(string name)
    {
        using var model = Load(name);
        var fixture = Path.Combine(Dir(name), "expected.safetensors");
        ReferenceFixtureTests.CompareWithFixture(model, fixture);
        var expected = Safetensors.Load(fixture);
        using var noGrad = no_grad();
        using var logits = model.Forward(expected["input_ids"].unsqueeze(0));
        output.WriteLine($"{name}: max |logits - reference| = {(logits.squeeze(0) - expected["logits"]).abs().max().item<float>():E2}");
        foreach (var t in expected.Values) t.Dispose();
    }

    [Fact]
    public void Config_reads_windows_and_scaling_as_transformers_does()
    {
        var mistral = HuggingFaceConfig.Read(Path.Combine(Dir("mistral-window"), "config.json"));
        Assert.Equal(4, mistral.SlidingWindow);
        Assert.Equal([4, 4], Enumerable.Range(0, 2).Select(mistral.WindowOf));
        var qwen = HuggingFaceConfig.Read(Path.Combine(Dir("qwen2-window"), "config.json"));
        Assert.Equal([null, 3, 3], Enumerable.Range(0, 3).Select(qwen.WindowOf));
        var llama = HuggingFaceConfig.Read(Path.Combine(Dir("llama3-rope"), "config.json"));
        Assert.Equal(new RopeScaling(8, 1, 4, 8), llama.RopeScaling);
        Assert.Null(llama.SlidingWindow);

        // MistralConfig's default window is 4096 when the key is absent; null turns it off.
        Assert.Equal(4096, Parse("""{"model_type":"mistral"}""").SlidingWindow);
        Assert.Null(Parse("""{"model_type":"mistral","sliding_window":null}""").SlidingWindow);
        // Qwen2 checkpoints carry sliding_window with use_sliding_window false: no window.
        Assert.Null(Parse("""{"model_type":"qwen2","sliding_window":32768,"use_sliding_window":false}""").SlidingWindow);
        Assert.Equal([false, true], Enumerable.Range(0, 2).Select(i => Parse(
            """{"model_type":"qwen2","sliding_window":8,"use_sliding_window":true,"layer_types":["full_attention","sliding_attention"]}""")
            .WindowOf(i) is not null));
        Assert.Null(Parse("""{"model_type":"llama","sliding_window":8}""").SlidingWindow);
        Assert.Null(Parse("""{"model_type":"llama","rope_scaling":{"rope_type":"default"}}""").RopeScaling);
    }

    [Theory]
    [InlineData("yarn")]
    [InlineData("linear")]
    [InlineData("dynamic")]
    [InlineData("longrope")]
    public void Unsupported_rope_scaling_is_an_error_that_names_it(string type)
    {
        var error = Assert.Throws<NotSupportedException>(() =>
            Parse($$$"""{"model_type":"llama","rope_scaling":{"type":"{{{type}}}","factor":2.0}}"""));
        Assert.Contains($"'{type}'", error.Message);
        Assert.Contains("llama3", error.Message);
    }

    [Fact]
    public void Incomplete_Llama3_scaling_or_a_bad_window_is_a_clear_error()
    {
        Assert.Contains("low_freq_factor", Assert.Throws<InvalidDataException>(() =>
            Parse("""{"model_type":"llama","rope_scaling":{"rope_type":"llama3","factor":8.0}}""")).Message);
        Assert.Contains("sliding_window", Assert.Throws<InvalidDataException>(() =>
            Parse("""{"model_type":"mistral","sliding_window":0}""")).Message);
        Assert.Contains("layer type", Assert.Throws<NotSupportedException>(() => Parse(
            """{"model_type":"qwen2","sliding_window":8,"use_sliding_window":true,"layer_types":["chunked_attention","full_attention"]}""")).Message);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Padded_batches_match_single_sequences(string name)
    {
        using var model = Load(name);
        using var noGrad = no_grad();
        foreach (bool left in new[] { false, true })
        {
            var (ids, mask) = left ? TokenBatch.LeftPadded(Sequences, model.Device) : TokenBatch.RightPadded(Sequences, model.Device);
            using var batched = model.Forward(ids, new ForwardOptions { AttentionMask = mask });
            using var tail = model.Forward(ids, new ForwardOptions { AttentionMask = mask, LogitsFrom = -3 });
            long longest = ids.shape[1];
            for (int b = 0; b < Sequences.Length; b++)
            {
                using var single = model.Forward(Ids(Sequences[b]));
                long offset = left ? longest - Sequences[b].Length : 0;
                TensorAssert.Close(single[0], batched[b].narrow(0, offset, Sequences[b].Length), 1e-4,
                    $"{name} {(left ? "left" : "right")}-padded row {b}");
            }
            TensorAssert.Close(batched.narrow(1, longest - 3, 3), tail, 1e-5, $"{name} {(left ? "left" : "right")}-padded, logits from -3");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Cached_incremental_passes_match_one_full_pass(string name)
    {
        using var model = Load(name);
        using var noGrad = no_grad();
        var ids = Ids(Sequences[0]);
        using var full = model.Forward(ids);
        using var cache = new KvCache(model.Config.NLayers);
        int[][] steps = [[0, 2], [2, 5], [7, 1], [8, 1], [9, 2]];
        foreach (var step in steps)
        {
            using var part = model.Forward(ids.narrow(1, step[0], step[1]), new ForwardOptions { Cache = cache, LogitsFrom = step[1] > 1 ? 1 : 0 });
            int from = step[1] > 1 ? 1 : 0;
            TensorAssert.Close(full.narrow(1, step[0] + from, step[1] - from), part, 1e-4, $"{name} cached step at {step[0]}");
        }
        Assert.Equal(Sequences[0].Length, cache.Length);
    }

    [Theory]
    [MemberData(nameof(Windowed))]
    public void Padded_generation_steps_match_single_sequences(string name)
    {
        // A padded batch continued through its cache: the window counts each row's own positions
        // (after right padding, the padding sits between a row's prompt and its new token).
        using var model = Load(name);
        using var noGrad = no_grad();
        foreach (bool left in new[] { true, false })
        {
            var (ids, mask) = left ? TokenBatch.LeftPadded(Sequences, model.Device) : TokenBatch.RightPadded(Sequences, model.Device);
            using var cache = new KvCache(model.Config.NLayers);
            model.Forward(ids, new ForwardOptions { AttentionMask = mask, Cache = cache }).Dispose();
            long[] next = [5, 6, 7];
            using var step = model.Forward(tensor(next).unsqueeze(1), new ForwardOptions { Cache = cache });   // [batch, 1, vocab]
            for (int b = 0; b < Sequences.Length; b++)
            {
                using var single = model.Forward(Ids([.. Sequences[b], (int)next[b]]));
                TensorAssert.Close(single[0, Sequences[b].Length], step[b, 0], 1e-4,
                    $"{name} {(left ? "left" : "right")}-padded row {b} after the cache");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Windowed))]
    public void Expanded_prefix_cache_with_hidden_positions_matches_masked_single_sequences(string name)
    {
        // The perturbation evaluator's layout: a shared prefix, each row seeing part of it, explicit positions.
        using var model = Load(name);
        using var noGrad = no_grad();
        int[] prefix = [1, 40, 47, 61, 78, 32];
        int[][] suffixes = [[83, 90], [30, 12], [40, 41]];
        int[] visibleUpTo = [6, 4, 1];
        using var cache = new KvCache(model.Config.NLayers);
        model.Forward(Ids(prefix), new ForwardOptions { Cache = cache }).Dispose();
        var visible = new long[3, 6];
        for (int b = 0; b < 3; b++)
            for (int j = 0; j < visibleUpTo[b]; j++) visible[b, j] = 1;
        using var expanded = cache.ExpandBatch(3, tensor(visible));
        var positions = tensor(new long[] { 6, 7, 6, 7, 6, 7 }).reshape(3, 2);
        using var batched = model.Forward(tensor(suffixes.SelectMany(s => s).Select(i => (long)i).ToArray()).reshape(3, 2),
            new ForwardOptions { Cache = expanded, Positions = positions });
        for (int b = 0; b < 3; b++)
        {
            var whole = prefix.Concat(suffixes[b]).ToArray();
            var mask = tensor(whole.Select((_, i) => i >= visibleUpTo[b] && i < prefix.Length ? 0L : 1L).ToArray()).unsqueeze(0);
            using var single = model.Forward(Ids(whole), new ForwardOptions
            {
                AttentionMask = mask,
                Positions = arange(whole.Length, dtype: ScalarType.Int64).unsqueeze(0),
            });
            TensorAssert.Close(single[0].narrow(0, 6, 2), batched[b], 1e-4, $"{name} suffix {b}");
        }
    }

    [Theory]
    [MemberData(nameof(Windowed))]
    public void Packed_sequences_match_each_sequence_alone(string name)
    {
        using var model = Load(name);
        using var noGrad = no_grad();
        long[] original = [1, 40, 47, 61, 78, 32, 83, 90, 12, 40];
        (int Cached, long[] Own)[] sequences = [(0, [1, 40, 61, 78, 32, 9, 10]), (3, [78, 32, 83, 90, 11, 50]), (9, [40, 7])];
        using var prefix = new KvCache(model.Config.NLayers);
        model.Forward(tensor(original).unsqueeze(0), new ForwardOptions { Cache = prefix }).Dispose();
        const int tail = 2;
        var packed = new PackedSequences(sequences.Select(s => s.Own.Length).ToArray(), sequences.Select(s => s.Cached).ToArray(), tail);
        var ids = new long[1, packed.Tokens];
        var positions = new long[1, packed.Tokens];
        for (int s = 0; s < sequences.Length; s++)
            for (int j = 0; j < sequences[s].Own.Length; j++)
            {
                ids[0, packed.RowIndex(s, j)] = sequences[s].Own[j];
                positions[0, packed.RowIndex(s, j)] = sequences[s].Cached + j;
            }
        using var all = model.Forward(tensor(ids), new ForwardOptions { Positions = tensor(positions), Cache = prefix, Packed = packed });
        using var tails = model.Forward(tensor(ids), new ForwardOptions
        {
            Positions = tensor(positions), Cache = prefix, Packed = packed, LogitsFrom = packed.TailsStart,
        });
        for (int s = 0; s < sequences.Length; s++)
        {
            var whole = original.Take(sequences[s].Cached).Concat(sequences[s].Own).ToArray();
            using var alone = model.Forward(tensor(whole).unsqueeze(0));
            for (int j = 0; j < sequences[s].Own.Length; j++)
                TensorAssert.Close(alone[0, sequences[s].Cached + j], all[0, packed.RowIndex(s, j)], 1e-4, $"{name} sequence {s} token {j}");
            for (int j = 0; j < tail; j++)
                TensorAssert.Close(alone[0, whole.Length - tail + j], tails[0, s * tail + j], 1e-4, $"{name} sequence {s} tail {j}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Perturbation_evaluator_modes_agree_with_naive(string name)
    {
        // The attribution scorer's padded, packed and prefix-cached batches (hidden tokens keep their positions).
        using var model = Load(name);
        int[] prompt = [1, 40, 47, 61, 78, 32, 83, 90, 12, 40, 7, 5, 9, 30];
        int[] completion = [12, 40, 3];
        // Removals (which pack) and hidden tokens (which run padded: a packed pass takes no mask), separately.
        var removed = new List<PerturbedPrompt> { new(prompt, null, prompt.Length) };
        var hidden = new List<PerturbedPrompt>();
        for (int p = 1; p < prompt.Length; p++)
        {
            removed.Add(new(prompt.Where((_, i) => i != p).ToArray(), null, p));
            hidden.Add(new(prompt, prompt.Select((_, i) => i == p).ToArray(), p));
        }
        removed.Add(new(prompt.Where((_, i) => i is not (2 or 9)).ToArray(), null, 2));
        hidden.Add(new(prompt, prompt.Select((_, i) => i is 3 or 4 or 11).ToArray(), 3));
        float[][] Run(EvaluationMode mode, int batch, BatchLayout layout = BatchLayout.Automatic) =>
        [
            .. new[] { removed, hidden }.SelectMany(items => new PerturbationEvaluator(model, prompt, completion,
                new EvaluationOptions { Mode = mode, MaxBatchSize = batch, MaxBatchTokens = 400, Workers = 1, Layout = layout }).LogProbs(items)),
        ];
        var naive = Run(EvaluationMode.Naive, 1);
        foreach (var (label, result) in new[]
        {
            ("batched packed", Run(EvaluationMode.Batched, 7, BatchLayout.Packed)),
            ("batched padded", Run(EvaluationMode.Batched, 7, BatchLayout.Padded)),
            ("cached packed", Run(EvaluationMode.BatchedPrefixCache, 7, BatchLayout.Packed)),
            ("cached padded", Run(EvaluationMode.BatchedPrefixCache, 7, BatchLayout.Padded)),
            ("cached one batch", Run(EvaluationMode.BatchedPrefixCache, 64, BatchLayout.Packed)),
        })
        {
            double diff = naive.Zip(result, (a, b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max()).Max();
            Assert.True(diff <= 1e-4, $"{name} {label} vs naive: {diff:E2}");
        }
        Assert.True(naive.Skip(1).Any(r => Math.Abs(r.Sum() - naive[0].Sum()) > 1e-3), "no perturbation changed anything");
    }

    [Fact]
    public void The_window_changes_the_logits_only_beyond_it()
    {
        // Guards the fixtures themselves: the first window positions equal full attention's, the later ones do not.
        using var windowed = Load("mistral-window");
        var config = windowed.Config with { SlidingWindow = null };
        using var full = TransformerFactory.Create(config);
        full.LoadCheckpoint(Safetensors.Load(Path.Combine(Dir("mistral-window"), "model.safetensors")), "mistral-window");
        using var noGrad = no_grad();
        var ids = Ids(Sequences[0]);
        using var a = windowed.Forward(ids);
        using var b = full.Forward(ids);
        TensorAssert.Close(b.narrow(1, 0, 4), a.narrow(1, 0, 4), 1e-5, "inside the window");
        Assert.True((a.narrow(1, 4, 7) - b.narrow(1, 4, 7)).abs().max().item<float>() > 1e-2);
    }

    private static Tensor Ids(int[] sequence) => tensor(sequence.Select(i => (long)i).ToArray()).unsqueeze(0);

    private static ModelConfig Parse(string extra)
    {
        var basics = """{"vocab_size":8,"hidden_size":8,"intermediate_size":8,"num_attention_heads":2,"num_hidden_layers":2""";
        using var doc = JsonDocument.Parse(basics + "," + extra.TrimStart('{'));
        return HuggingFaceConfig.Parse(doc.RootElement);
    }
}
