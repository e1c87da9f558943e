using System.Diagnostics;
using LeapEngine.Core.Models;
using LeapEngine.Core.Models.Common;
using LeapEngine.Core.Runtime;
using LeapEngine.Core.Serving;
using LeapEngine.Core.Store;
using static TorchSharp.torch;

namespace LeapEngine.Benchmarks;

/// <summary>
/// The model's share of one own-endpoint call, in this process: CPU milliseconds per teacher-forced scoring of a
/// prompt (what /v1/completions with echo and logprobs runs for every black-box call), split into attention alone (every
/// layer's fused kernel at the pass's shape), the forward pass
/// alone and the whole <see cref="CompletionSampler"/> run (forward + log-softmax, ranks, top-k and the copies back),
/// each on the calling thread and on a fresh thread per call (as a completion ran before it had a thread of its own).
/// CPU time, not wall time: on a loaded machine wall time includes waiting for a core.
/// </summary>
public sealed class ServePassBenchmark : IBenchmark
{
    public string Name => "serve-pass";
    public string Description => "CPU ms of the model's part of one own-endpoint call: attention alone vs forward vs scoring, same vs fresh thread (--tokens 270 --calls 200 --threads 0)";

    public int Run(string[] args)
    {
        int tokens = Measure.IntArg(args, "--tokens", 270);
        int calls = Measure.IntArg(args, "--calls", 200);
        if (Measure.IntArg(args, "--threads", 0) is > 0 and var threads) set_num_threads(threads);
        using var store = new ModelStore(ModelStoreOptions.FromEnvironment() with { Offline = true });
        using var lm = LanguageModel.LoadAsync(store, "stories260K").GetAwaiter().GetResult();
        var random = new Random(5);
        var ids = Enumerable.Range(0, tokens).Select(_ => random.Next(3, lm.Network.Config.VocabSize)).ToArray();
        var request = new ServingRequest { PromptIds = ids, MaxNewTokens = 0, TopLogProbs = 1, PromptLogProbs = 1 };
        Console.WriteLine($"stories260K, {tokens} tokens, {get_num_threads()} intra-op threads, {calls} calls each; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");

        void Forward()
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var input = tensor(ids.Select(i => (long)i).ToArray()).unsqueeze(0);
            lm.Network.Forward(input, new ForwardOptions { LogitsFrom = 0 });
        }
        void Score()
        {
            using var scope = NewDisposeScope();
            CompletionSampler.Run(lm.Network, request, lm.EosId, null, _ => false);
        }
        // Attention alone, as the forward runs it: every layer's fused kernel over all heads (kv heads repeated as
        // the layouts repeat them), causal. With eight heads of eight dimensions each over a few hundred tokens it is
        // most of the pass: the softmax's exponentials grow with heads x tokens^2, the projections only with tokens.
        var config = lm.Network.Config;
        var q = randn(1, config.NHeads, tokens, config.DHead);
        void Attention()
        {
            using var scope = NewDisposeScope();
            for (int layer = 0; layer < config.NLayers; layer++)
                nn.functional.scaled_dot_product_attention(q, q, q, is_casual: true);
        }
        Report($"attention alone ({config.NLayers} layers x {config.NHeads} heads of {config.DHead}), same thread", calls, Attention);
        Report("forward only, same thread", calls, Forward);
        Report("scoring (CompletionSampler), same thread", calls, Score);
        Report("scoring, a fresh thread per call", calls, () =>
        {
            var thread = new Thread(Score);
            thread.Start();
            thread.Join();
        });
        return 0;
    }

    private static void Report(string what, int calls, Action action)
    {
        for (int i = 0; i < 20; i++) action();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < calls; i++) action();
        double wallMs = watch.Elapsed.TotalMilliseconds / calls;
        double cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / calls;
        Console.WriteLine($"{what}: {cpuMs:F2} CPU ms per call, {wallMs:F2} wall ms per call");
    }
}
