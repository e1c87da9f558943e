using LeapEngine.Core.Models;
using static TorchSharp.torch;

namespace LeapEngine.Benchmarks;

/// <summary>
/// Forward throughput of a GPT-2-small-shaped model with random weights (d 768, 12 layers,
/// vocab 50257) at batch 8 x 128 tokens, against the matmul rate measured in the same run.
/// </summary>
public sealed class ForwardThroughputBenchmark : IBenchmark
{
    public string Name => "forward";
    public string Description => "GPT-2-small forward tokens/s and GFLOP/s vs measured matmul (--batch 8 --tokens 128 --runs 5)";

    public int Run(string[] args)
    {
        int batch = Measure.IntArg(args, "--batch", 8);
        int tokens = Measure.IntArg(args, "--tokens", 128);
        int runs = Measure.IntArg(args, "--runs", 5);
        var config = new ModelConfig
        {
            Architecture = Architecture.Gpt2, ModelType = "gpt2", VocabSize = 50257, DModel = 768, NLayers = 12,
            NHeads = 12, NKvHeads = 12, DHead = 64, DMlp = 3072, ContextLength = 1024, NormEps = 1e-5,
            Activation = "gelu_new", TiedEmbeddings = true,
        };
        Console.WriteLine($"threads: {get_num_threads()}, batch {batch} x {tokens} tokens, GPT-2-small shape, random weights");
        using var model = TransformerFactory.CreateRandom(config, seed: 0);
        using var ids = randint(0, config.VocabSize, [batch, tokens], dtype: ScalarType.Int64);
        double flops = ForwardFlops(config, batch, tokens);
        (double seconds, double matmul, double ratio) result;
        using (no_grad())
            result = Measure.AgainstMatmul(() => { using var logits = model.Forward(ids); }, flops, runs);

        double gflops = flops / result.seconds / 1e9;
        Console.WriteLine($"matmul (fp32, same process, best of {runs} rounds): {result.matmul:F1} GFLOP/s");
        Console.WriteLine($"forward: best {result.seconds * 1000:F0} ms of {runs}; {batch * tokens / result.seconds:F0} tokens/s");
        Console.WriteLine($"model FLOPs per forward: {flops / 1e9:F1} GFLOP (matmuls + attention, incl. unembedding)");
        Console.WriteLine($"achieved: {gflops:F1} GFLOP/s = {100 * gflops / result.matmul:F0}% of best matmul; " +
                          $"median per-round ratio {100 * result.ratio:F0}% (target >= 60%)");
        return 0;
    }

    /// <summary>
    /// Multiply-adds x 2 of every matmul: q/k/v/o and MLP (24 d^2 per token per layer),
    /// attention scores and mixing (4 T d per token per layer, full square as the kernel
    /// computes it), and the unembedding (2 d V per token).
    /// </summary>
    public static double ForwardFlops(ModelConfig c, int batch, int tokens)
    {
        double perToken = c.NLayers * (2.0 * (4.0 * c.DModel * c.DModel + 2.0 * c.DModel * c.DMlp) + 4.0 * tokens * c.DModel)
                          + 2.0 * c.DModel * c.VocabSize;
        return perToken * batch * tokens;
    }
}
