using LeapEngine.Core.Attribution;
using LeapEngine.Core.Runtime;
using LeapEngine.Core.Store;

namespace LeapEngine.Benchmarks;

/// <summary>
/// HiPe vs ItP on prompts where two known key words carry the answer (PIZZA's design): an
/// adjective-noun pair ("red ball") placed at a random point in filler so that the key words
/// are 50%, 10% or 1% of the words; the completion to explain copies the pair. For each
/// method x perturbation x threshold: evaluations, how many prompts rank both key words above
/// every filler word, and faithfulness.
/// </summary>
public sealed class HipeVsItpBenchmark : IBenchmark
{
    private static readonly (string Adjective, string Noun)[] Pairs =
    [
        ("red", "ball"), ("big", "dog"), ("little", "cat"), ("green", "tree"), ("happy", "bird"),
        ("blue", "car"), ("soft", "bear"), ("small", "fish"), ("yellow", "sun"), ("old", "boat"),
    ];

    public string Name => "hipe-vs-itp";
    public string Description => "HiPe vs ItP on key words in filler at 50/10/1% on stories260K (--prompts 30 --filler the --faithfulness-steps 10)";

    public int Run(string[] args)
    {
        int prompts = Measure.IntArg(args, "--prompts", 30), steps = Measure.IntArg(args, "--faithfulness-steps", 10);
        int i = Array.IndexOf(args, "--filler");
        string filler = i >= 0 && i + 1 < args.Length ? args[i + 1] : "the";
        using var store = new ModelStore(ModelStoreOptions.FromEnvironment() with { Offline = true });
        using var lm = LanguageModel.LoadAsync(store, "stories260K").GetAwaiter().GetResult();
        var configs = new List<(string Method, string Perturbation, string Threshold, HipeOptions Hipe)>();
        foreach (var perturbation in new[] { "remove", "hide", "nearest:1" })
        {
            configs.Add(("itp", perturbation, "-", new HipeOptions()));
            configs.Add(("hipe", perturbation, "midrange", new HipeOptions()));
            configs.Add(("hipe", perturbation, "static:0.1", new HipeOptions { Threshold = HipeThreshold.Static, StaticThreshold = 0.1 }));
            configs.Add(("hipe", perturbation, "either:0.1", new HipeOptions { Threshold = HipeThreshold.Either, StaticThreshold = 0.1 }));
        }
        Console.WriteLine($"stories260K; {prompts} prompts per row; filler word '{filler}'; completion = the key pair; faithfulness with {steps} steps");
        Console.WriteLine("| key words | words | method | perturbation | threshold | evaluations mean (min-max) | key words outrank filler | deletion AUC | insertion AUC | comprehensiveness top 1% |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (double fraction in new[] { 0.5, 0.1, 0.01 })
        {
            int words = (int)Math.Round(2 / fraction);
            foreach (var (method, perturbation, threshold, hipe) in configs)
            {
                var evaluations = new List<int>();
                int correct = 0;
                double deletion = 0, insertion = 0, comprehensiveness = 0;
                for (int p = 0; p < prompts; p++)
                {
                    var (adjective, noun) = Pairs[p % Pairs.Length];
                    var rng = new Random(1000 * words + p);
                    var text = Enumerable.Repeat(filler, words - 2).ToList();
                    int at = rng.Next(0, words - 1);
                    text.InsertRange(at, [adjective, noun]);
                    var result = AttributionEngine.Run(lm, new AttributionRequest
                    {
                        Text = string.Join(' ', text), Completion = $" {adjective} {noun}", Method = method, Unit = "word",
                        Perturbation = perturbation, Hipe = hipe, Faithfulness = true,
                        FaithfulnessOptions = new FaithfulnessOptions { Steps = steps },
                    });
                    evaluations.Add(result.Evaluations);
                    var key = result.Units.Where(u => u.Index == at || u.Index == at + 1).Select(u => u.Score).ToList();
                    var rest = result.Units.Where(u => u.Index != at && u.Index != at + 1).Select(u => u.Score).DefaultIfEmpty(double.NegativeInfinity);
                    if (key.Min() > rest.Max()) correct++;
                    deletion += result.Faithfulness!.DeletionAuc / prompts;
                    insertion += result.Faithfulness.InsertionAuc / prompts;
                    comprehensiveness += result.Faithfulness.Eraser[0].Comprehensiveness / prompts;
                }
                Console.WriteLine($"| {fraction:P0} | {words} | {method} | {perturbation} | {threshold} | {evaluations.Average():F1} ({evaluations.Min()}-{evaluations.Max()}) | " +
                                  $"{correct}/{prompts} | {deletion:F2} | {insertion:F2} | {comprehensiveness:F2} |");
            }
        }
        return 0;
    }
}
