using LeapEngine.Core.Tensors;
using System.Diagnostics;
using LeapEngine.Core.Models;
using LeapEngine.Core.Models.Common;
using TorchSharp;
using static TorchSharp.torch;

namespace LeapEngine.Core.Synthetic;

/// <summary>What a training run did: the loss curve and the time it took.</summary>
public sealed record TrainingLog(IReadOnlyList<(int Step, double Loss)> Losses, double Seconds, int Threads);

/// <summary>
/// Trains a small Llama-architecture model (Core's own LlamaModel, so what is trained is exactly what
/// loads) on a synthetic task with TorchSharp autograd on the CPU: AdamW (<see cref="AdamWOptimizer"/>), warm-up then cosine decay,
/// cross-entropy on every position the task asks about. Deterministic for a seed: the weights come from
/// a seeded generator, the data from a seeded System.Random, and the batches run in a fixed order.
/// </summary>
public static class SyntheticTrainer
{
    public static ModelConfig Config(SyntheticTrainingOptions options) => new()
    {
        Architecture = Architecture.Llama,
        ModelType = "llama",
        VocabSize = SyntheticVocabulary.Instance.Size,
        DModel = options.DModel,
        NLayers = options.Layers,
        NHeads = options.Heads,
        NKvHeads = options.Heads,
        DHead = options.DModel / options.Heads,
        DMlp = options.DMlp,
        ContextLength = options.ContextLength,
        NormEps = 1e-5,
        Activation = "silu",
        RopeTheta = 10000.0,
        TiedEmbeddings = false,
        BosTokenId = SyntheticVocabulary.Instance.BosId,
        EosTokenId = SyntheticVocabulary.Instance.EosId,
    };

    /// <summary>Trains a fresh model; it comes back frozen and in eval mode.</summary>
    public static (TransformerModel Model, TrainingLog Log) Train(SyntheticTask task, SyntheticTrainingOptions options,
        IProgress<(int Step, double Loss)>? progress = null, CancellationToken ct = default)
    {
        options.Validate();
        int min = options.MinLength ?? task.TrainLengths.Min;
        int max = options.MaxLength ?? Math.Min(task.TrainLengths.Max, options.ContextLength - 1);
        if (min > max) throw new ArgumentException($"training lengths [{min}, {max}] are empty (context length {options.ContextLength})");

        int threadsBefore = torch.get_num_threads();
        if (options.Threads is int threads) torch.set_num_threads(threads);
        var clock = Stopwatch.StartNew();
        var model = TransformerFactory.CreateRandom(Config(options), options.Seed);
        foreach (var p in model.parameters()) p.requires_grad = true;
        model.train();
        var parameters = model.parameters().ToList();
        using var optimizer = new AdamWOptimizer(parameters, options.LearningRate, weightDecay: 0.01);
        var rng = new Random(options.Seed);
        var losses = new List<(int, double)>();
        int warmup = Math.Max(1, options.Steps / 10);
        try
        {
            for (int step = 0; step < options.Steps; step++)
            {
                ct.ThrowIfCancellationRequested();
                double lr = step < warmup
                    ? options.LearningRate * (step + 1) / warmup
                    : options.LearningRate * (0.1 + 0.9 * 0.5 * (1 + Math.Cos(Math.PI * (step - warmup) / Math.Max(1, options.Steps - warmup))));
                optimizer.LearningRate = lr;

                using var scope = NewDisposeScope();
                int length = rng.Next(min, max + 1);
                var batch = Enumerable.Range(0, options.BatchSize).Select(_ => task.Sample(rng, length)).ToList();
                optimizer.ZeroGrad();
                // A task may mix lengths in a batch (a system segment left out): one pass per length, the loss
                // summed over every asked position and divided by their number, as one padded pass would give.
                Tensor? sum = null;
                long asked = 0;
                foreach (var group in batch.GroupBy(e => e.Tokens.Length))
                {
                    var (ids, targets) = Tensors(group.ToList());
                    // From embeddings, not ids: the id path first searches the batch for repeated rows to project once,
                    // work that only pays for inference.
                    var embeddings = model.TokenEmbeddings.index_select(0, ids.reshape(-1))
                        .reshape(ids.shape[0], ids.shape[1], model.Config.DModel);          // [batch, token, d_model]
                    var logits = model.ForwardEmbeddings(embeddings);                      // [batch, token, vocab]
                    var part = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[2]), targets.reshape(-1),
                        ignore_index: -1, reduction: nn.Reduction.Sum);
                    sum = sum is null ? part : sum.Plus(part);
                    asked += targets.numel() - targets.IsEqualTo(-1L).sum().item<long>();
                }
                var loss = sum!.DividedBy(Math.Max(1, asked));
                loss.backward();
                nn.utils.clip_grad_norm_(parameters, 1.0);
                optimizer.Step();
                if (step % 10 == 0 || step == options.Steps - 1)
                {
                    double value = loss.item<float>();
                    if (!double.IsFinite(value)) throw new InvalidOperationException($"training diverged at step {step} (loss {value}); lower the learning rate");
                    losses.Add((step, value));
                    progress?.Report((step, value));
                }
            }
        }
        catch
        {
            model.Dispose();
            throw;
        }
        finally
        {
            torch.set_num_threads(threadsBefore);
        }
        model.Freeze();
        model.eval();
        return (model, new TrainingLog(losses, clock.Elapsed.TotalSeconds, options.Threads ?? threadsBefore));
    }

    /// <summary>Input ids [batch, 1 + length] (BOS first) and targets of the same shape, for examples of one length.</summary>
    internal static (Tensor Ids, Tensor Targets) Tensors(IReadOnlyList<SyntheticExample> batch)
    {
        int bos = SyntheticVocabulary.Instance.BosId;
        int width = batch[0].Tokens.Length + 1;
        var ids = new long[batch.Count * width];
        var targets = new long[batch.Count * width];
        for (int b = 0; b < batch.Count; b++)
        {
            if (batch[b].Tokens.Length + 1 != width) throw new ArgumentException("a training batch holds examples of one length");
            ids[b * width] = bos;
            for (int i = 0; i < width - 1; i++) ids[b * width + 1 + i] = batch[b].Tokens[i];
            for (int i = 0; i < width; i++) targets[b * width + i] = batch[b].Targets[i];
        }
        return (tensor(ids, [batch.Count, width]), tensor(targets, [batch.Count, width]));
    }
}
