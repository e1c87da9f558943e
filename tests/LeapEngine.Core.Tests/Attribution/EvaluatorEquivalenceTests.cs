using LeapEngine.Core.Attribution;
using LeapEngine.Core.Models;
using LeapEngine.Core.Runtime;

namespace LeapEngine.Core.Tests.Attribution;

/// <summary>Batched and batched + prefix-cached evaluation give the naive numbers (one full forward each) to 1e-4.</summary>
public class EvaluatorEquivalenceTests
{
    private const string Prompt = "Once upon a time, there was a little girl named Lily. She loved to play with her ball in the park.";

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var model in new[] { "stories", "gpt2" })
            foreach (var perturbation in new[] { "remove", "token:7", "nearest:1", "nearest:-1", "hide" })
                data.Add(model, perturbation);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void All_modes_agree_for_single_units_and_unit_sets(string name, string perturbation)
    {
        var model = AttributionModels.Load(name);
        var prompt = model.Encode(Prompt).Ids.ToArray();
        var completion = model.Generate(Prompt, new GenerationOptions { MaxNewTokens = 6 });
        var perturber = new Perturber(model, prompt, PerturbationSpec.Parse(perturbation));
        int first = model.AddsBosByDefault ? 1 : 0;   // BOS is never perturbed

        // Every single token, then sets: contiguous chunks, scattered pairs, the end, everything but BOS.
        var sets = Enumerable.Range(first, prompt.Length - first).Select(p => new[] { p }).ToList();
        var random = new Random(3);
        for (int i = 0; i < 12; i++)
        {
            int a = random.Next(first, prompt.Length), length = random.Next(1, 6);
            sets.Add(Enumerable.Range(a, Math.Min(length, prompt.Length - a)).ToArray());
            sets.Add([random.Next(first, prompt.Length), random.Next(first, prompt.Length)]);
        }
        sets.Add([prompt.Length - 2, prompt.Length - 1]);
        sets.Add(Enumerable.Range(first, prompt.Length - first).ToArray());
        var items = sets.Select(s => perturber.Apply(s)).Prepend(perturber.Apply([])).ToList();

        // Batches run on three threads at once (whatever the machine's core count) or all on the caller's;
        // packed (hidden tokens fall back to padded) or padded rows.
        float[][] Run(EvaluationMode mode, int batch, int workers = 3, BatchLayout layout = BatchLayout.Automatic) =>
            new PerturbationEvaluator(model.Network, prompt, completion,
                new EvaluationOptions { Mode = mode, MaxBatchSize = batch, MaxBatchTokens = 400, Workers = workers, Layout = layout }).LogProbs(items);
        var naive = Run(EvaluationMode.Naive, 1);
        var batched = Run(EvaluationMode.Batched, 7, layout: BatchLayout.Packed);
        var cached = Run(EvaluationMode.BatchedPrefixCache, 7, layout: BatchLayout.Packed);
        var batchedPadded = Run(EvaluationMode.Batched, 7, layout: BatchLayout.Padded);
        var cachedPadded = Run(EvaluationMode.BatchedPrefixCache, 7, layout: BatchLayout.Padded);
        var cachedOneWorker = Run(EvaluationMode.BatchedPrefixCache, 7, workers: 1, layout: BatchLayout.Packed);
        var cachedLarge = Run(EvaluationMode.BatchedPrefixCache, 64);
        Assert.True(AttributionModels.MaxDiff(naive, batched) <= 1e-4, $"batched (packed) vs naive: {AttributionModels.MaxDiff(naive, batched):E2}");
        Assert.True(AttributionModels.MaxDiff(naive, cached) <= 1e-4, $"cached (packed) vs naive: {AttributionModels.MaxDiff(naive, cached):E2}");
        Assert.True(AttributionModels.MaxDiff(naive, batchedPadded) <= 1e-4, $"batched (padded) vs naive: {AttributionModels.MaxDiff(naive, batchedPadded):E2}");
        Assert.True(AttributionModels.MaxDiff(naive, cachedPadded) <= 1e-4, $"cached (padded) vs naive: {AttributionModels.MaxDiff(naive, cachedPadded):E2}");
        Assert.True(AttributionModels.MaxDiff(naive, cachedOneWorker) <= 1e-4, $"cached on one worker vs naive: {AttributionModels.MaxDiff(naive, cachedOneWorker):E2}");
        Assert.True(AttributionModels.MaxDiff(naive, cachedLarge) <= 1e-4, $"cached (one big batch) vs naive: {AttributionModels.MaxDiff(naive, cachedLarge):E2}");
        // The perturbations must actually change something, or the comparison proves nothing.
        Assert.True(naive.Skip(1).Any(r => Math.Abs(r.Sum() - naive[0].Sum()) > 1e-3), "no perturbation changed the completion's log-probability");
    }

    [Theory]
    [MemberData(nameof(AttributionModels.Both), MemberType = typeof(AttributionModels))]
    public void Prefix_cache_runs_fewer_tokens_than_naive(string name)
    {
        var model = AttributionModels.Load(name);
        var prompt = model.Encode(Prompt).Ids.ToArray();
        int[] completion = [prompt[2], prompt[3], prompt[4]];
        var perturber = new Perturber(model, prompt, PerturbationSpec.Remove);
        var items = Enumerable.Range(1, prompt.Length - 1).Select(p => perturber.Apply([p])).ToList();
        var naive = new PerturbationEvaluator(model.Network, prompt, completion, new EvaluationOptions { Mode = EvaluationMode.Naive });
        // Small batches: a batch shares only its shortest prefix, so the saving shows when batches are small against the prompt.
        var cached = new PerturbationEvaluator(model.Network, prompt, completion, new EvaluationOptions { MaxBatchSize = 4 });
        naive.LogProbs(items);
        cached.LogProbs(items);
        Assert.Equal(items.Count, naive.ForwardPasses);
        Assert.True(cached.ForwardPasses < naive.ForwardPasses);
        // Each perturbation reruns only what follows the unit (plus the completion): about half of the prompt.
        Assert.True(cached.ForwardTokens < 0.7 * naive.ForwardTokens, $"cached {cached.ForwardTokens} vs naive {naive.ForwardTokens} tokens");
    }

    [Theory]
    [InlineData(64, false)]
    [InlineData(512, true)]
    public void Automatic_layout_packs_only_wide_models(int width, bool packs)
    {
        // Random one-layer GPT-2s, one narrow, one at the packing width: packed passes run
        // exactly the prompts' tokens, padded ones pad every batch to its longest row.
        var config = new ModelConfig
        {
            Architecture = Architecture.Gpt2, ModelType = "gpt2", VocabSize = 100, DModel = width, NLayers = 1,
            NHeads = width / 64, NKvHeads = width / 64, DHead = 64, DMlp = width, ContextLength = 64, NormEps = 1e-5,
            Activation = "gelu_new", TiedEmbeddings = true,
        };
        using var model = TransformerFactory.CreateRandom(config, seed: 1);
        var prompt = Enumerable.Range(3, 20).ToArray();
        int[] completion = [7, 8, 9];
        var items = Enumerable.Range(0, prompt.Length).Select(p => new PerturbedPrompt(prompt.Where((_, i) => i != p).ToArray(), null, p)).ToList();
        long Tokens(BatchLayout layout)
        {
            var evaluator = new PerturbationEvaluator(model, prompt, completion, new EvaluationOptions { MaxBatchSize = 4, Layout = layout });
            evaluator.LogProbs(items);
            return evaluator.ForwardTokens;
        }
        long packed = Tokens(BatchLayout.Packed), padded = Tokens(BatchLayout.Padded);
        Assert.True(packed < padded, $"packed {packed} vs padded {padded} tokens");
        Assert.Equal(packs ? packed : padded, Tokens(BatchLayout.Automatic));
    }

    [Fact]
    public void Concurrent_batches_count_and_report_every_row_once()
    {
        var model = AttributionModels.Stories();
        var prompt = model.Encode(Prompt).Ids.ToArray();
        int[] completion = [prompt[5], prompt[6]];
        var perturber = new Perturber(model, prompt, PerturbationSpec.Remove);
        var items = Enumerable.Range(1, prompt.Length - 1).Select(p => perturber.Apply([p])).ToList();
        EvaluationOptions Options(int workers) => new() { MaxBatchSize = 3, Workers = workers };
        var sequential = new PerturbationEvaluator(model.Network, prompt, completion, Options(1));
        var concurrent = new PerturbationEvaluator(model.Network, prompt, completion, Options(4));
        long reported = 0;
        var expected = sequential.LogProbs(items);
        var actual = concurrent.LogProbs(items, done => reported += done);   // the evaluator serialises the callback
        Assert.Equal(items.Count, reported);
        Assert.True(AttributionModels.MaxDiff(expected, actual) <= 1e-5, $"4 workers vs 1: {AttributionModels.MaxDiff(expected, actual):E2}");
        Assert.Equal(sequential.ForwardPasses, concurrent.ForwardPasses);
        Assert.Equal(sequential.ForwardTokens, concurrent.ForwardTokens);
        Assert.Equal(items.Count, concurrent.Evaluations);
        Assert.True(concurrent.ForwardPasses > 4, "too few batches for the workers to overlap");
    }

    [Fact]
    public void Cancellation_stops_concurrent_batches()
    {
        var model = AttributionModels.Stories();
        var prompt = model.Encode(Prompt).Ids.ToArray();
        var perturber = new Perturber(model, prompt, PerturbationSpec.Remove);
        var items = Enumerable.Range(1, prompt.Length - 1).Select(p => perturber.Apply([p])).ToList();
        var evaluator = new PerturbationEvaluator(model.Network, prompt, [prompt[5]], new EvaluationOptions { MaxBatchSize = 1, Workers = 2 });
        using var cts = new CancellationTokenSource();
        int done = 0;
        Assert.Throws<OperationCanceledException>(() => evaluator.LogProbs(items, n => { if ((done += n) >= 3) cts.Cancel(); }, cts.Token));
        // Each worker finishes at most the batch it was running when the token fired.
        Assert.InRange(done, 3, 5);
    }

    [Fact]
    public void Hidden_tokens_keep_their_positions()
    {
        var model = AttributionModels.Stories();
        var prompt = model.Encode(Prompt).Ids.ToArray();
        int[] completion = [prompt[5]];
        var hide = new Perturber(model, prompt, PerturbationSpec.Parse("hide")).Apply([3]);
        var remove = new Perturber(model, prompt, PerturbationSpec.Remove).Apply([3]);
        var evaluator = new PerturbationEvaluator(model.Network, prompt, completion);
        var result = evaluator.LogProbs([hide, remove]);
        // Hiding keeps later tokens at their original positions; removing shifts them: Llama's rotary positions tell the two apart.
        Assert.True(Math.Abs(result[0][0] - result[1][0]) > 1e-4, "hide and remove gave the same log-probability");
        Assert.Equal(prompt.Length, hide.Ids.Length);
        Assert.True(hide.Hidden![3]);
    }
}
