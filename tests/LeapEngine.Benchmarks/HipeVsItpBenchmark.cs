using LeapEngine.Core.Attribution;
using LeapEngine.Core.Runtime;
using LeapEngine.Core.Store;

namespace LeapEngine.Benchmarks;

/// <summary>
/// HiPe vs ItP on prompts where two known key words carry the answer (after PIZZA's design):
/// natural filler sentences, a key sentence at a random sentence boundary ("Her fish was
/// named Sue.", "She had a red boat.") and a fixed cue that is not a unit ("The fish was
/// named" → "Sue"). Units are the filler words and the two key words, which are 50%, 10% or
/// 1% of them. A prompt is kept only when removing its two key words drops the answer's
/// log-probability by at least <c>--min-key-drop</c> nats (so the key words really carry the
/// answer for this model); that check uses no attribution method. For each method x
/// perturbation x threshold x first chunk size: evaluations, how often the key words outrank
/// the filler, and faithfulness.
/// </summary>
public sealed class HipeVsItpBenchmark : IBenchmark
{
    public string Name => "hipe-vs-itp";
    public string Description =>
        "HiPe vs ItP, key words in natural filler at 50/10/1% on stories260K (--prompts 30 --sizes 4,20,200 --seed-base N --hipe +relative:0.25/finest,... --trace --probe)";

    private sealed record Config(string Method, string Perturbation, string Threshold, string Chunk, HipeOptions Hipe);

    public int Run(string[] args)
    {
        int prompts = Measure.IntArg(args, "--prompts", 30), steps = Measure.IntArg(args, "--faithfulness-steps", 10);
        double minKeyDrop = DoubleArg(args, "--min-key-drop", 1.0);
        // Prompt seeds: the reported tables used 0; tune on one base (a dev set) and report another (held out).
        int seedBase = Measure.IntArg(args, "--seed-base", 0);
        bool trace = args.Contains("--trace");
        var sizes = ListArg(args, "--sizes", "4,20,200").Select(int.Parse).ToArray();
        var perturbations = ListArg(args, "--perturbations", "remove,hide,nearest:1");
        // First-chunk sizes (0 = half the units), static threshold (nats) and saliency modes swept for HiPe.
        var chunks = ListArg(args, "--chunks", "0,8").Select(int.Parse).ToArray();
        double threshold = DoubleArg(args, "--static", 0.5);
        var thresholds = ListArg(args, "--thresholds", FormattableString.Invariant($"midrange,static:{threshold},either:{threshold}"));
        var aggregations = ListArg(args, "--aggregation", "mean").Select(s => Enum.Parse<HipeAggregation>(s, ignoreCase: true)).ToArray();
        var saliencies = ListArg(args, "--saliency", "absolute,positive").Select(s => Enum.Parse<HipeSaliency>(s, ignoreCase: true)).ToArray();
        // --hipe lists exact variants instead of the saliency x aggregation x threshold product: [+]threshold[/aggregation[/bK]], e.g. +relative:0.5/finest/b3 (bK: at most K splits per stage).
        var variants = args.Contains("--hipe")
            ? ListArg(args, "--hipe", "").Select(ParseVariant).ToList()
            : (from sal in saliencies from agg in aggregations from t in thresholds select (sal, agg, t, (int?)null)).ToList();
        // On a shared, loaded machine one intra-op thread per process avoids oversubscription; counts do not depend on it.
        if (Measure.IntArg(args, "--threads", 0) is > 0 and var threads) TorchSharp.torch.set_num_threads(threads);
        using var store = new ModelStore(ModelStoreOptions.FromEnvironment() with { Offline = true });
        using var lm = LanguageModel.LoadAsync(store, "stories260K").GetAwaiter().GetResult();
        if (args.Contains("--probe")) return Probe(lm, Measure.IntArg(args, "--seeds", 3));

        Console.WriteLine($"stories260K; seed base {seedBase}; up to {prompts} prompts per size; kept when removing the key words drops the answer by >= {minKeyDrop} nats; " +
                          $"faithfulness with {steps} steps; ERASER at the top 2 units (= the key share)");
        var rows = new List<string>();
        foreach (int units in sizes)
        {
            var (kept, tried, stats) = Select(lm, units, prompts, minKeyDrop, seedBase);
            Console.WriteLine($"{units} units: kept {kept.Count} of {tried} candidate prompts; " + stats);
            Console.WriteLine(Header);
            foreach (var config in Configs(perturbations, units, chunks, variants, !args.Contains("--no-itp")))
                {
                rows.Add(Row(lm, kept, units, config, steps, trace));
                Console.WriteLine(rows[^1]);
            }
        }
        Console.WriteLine();
        Console.WriteLine(Header);
        foreach (var r in rows) Console.WriteLine(r[..(r.LastIndexOf('|') + 1)]);
        return 0;
    }

    private const string Header =
        "| key share | units | method | perturbation | threshold | first chunk | evaluations mean (min-max) | all key > all filler | top unit is key | deletion AUC | insertion AUC | comprehensiveness top 2 | sufficiency top 2 |\n" +
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |";

    private static List<Config> Configs(IEnumerable<string> perturbations, int units, int[] chunks,
        List<(HipeSaliency Saliency, HipeAggregation Aggregation, string Threshold, int? Beam)> variants, bool withItp)
    {
        var list = new List<Config>();
        foreach (var p in perturbations)
        {
            if (withItp) list.Add(new Config("itp", p, "-", "-", new HipeOptions()));
            foreach (int? chunk in chunks.Select(c => c == 0 ? (int?)null : c).Where(c => c is null || c < units / 2))
                foreach (var (saliency, aggregation, threshold, beam) in variants)
                {
                    string c = chunk is null ? "n/2" : chunk.ToString()!, s = saliency == HipeSaliency.Positive ? "+" : "";
                    if (aggregation != HipeAggregation.Mean) c += $", {aggregation.ToString().ToLowerInvariant()}";
                    if (beam is not null) c += $", beam {beam}";
                    var o = new HipeOptions { InitialChunkSize = chunk, Saliency = saliency, Aggregation = aggregation, MaxSplitsPerStage = beam };
                    list.Add(new Config("hipe", p, s + threshold, c, o.WithThreshold(threshold)));
                }
        }
        return list;
    }

    private static (HipeSaliency, HipeAggregation, string, int?) ParseVariant(string spec)
    {
        var saliency = spec.StartsWith('+') ? HipeSaliency.Positive : HipeSaliency.Absolute;
        var parts = spec.TrimStart('+').Split('/');
        var aggregation = parts.Length > 1 ? Enum.Parse<HipeAggregation>(parts[1], ignoreCase: true) : HipeAggregation.Mean;
        int? beam = parts.Length > 2 ? int.Parse(parts[2].TrimStart('b')) : null;
        return (saliency, aggregation, parts[0], beam);
    }

    /// <summary>The first <paramref name="wanted"/> candidate prompts (templates x seeds, fixed order) whose key words carry the answer.</summary>
    private static (List<KeyWordPrompt> Kept, int Tried, string Stats) Select(LanguageModel lm, int units, int wanted, double minKeyDrop, int seedBase)
    {
        var kept = new List<KeyWordPrompt>();
        var drops = new List<(double Key, double Filler, bool Greedy)>();
        int tried = 0, tooLong = 0;
        var templates = KeyWordPrompts.Candidates().ToList();
        for (int i = 0; kept.Count < wanted && i < templates.Count * 4; i++)
        {
            // Interleave the templates so the kept set mixes names and objects.
            var t = templates[(i * 37) % templates.Count];
            var p = KeyWordPrompts.Build(t, units, new Random(seedBase + units * 1000 + i));
            tried++;
            // stories260K's context is 512 tokens: a prompt that does not fit with its answer is skipped (counted), never cut.
            if (lm.PromptIds(p.Text).Length + lm.ContinuationIds(p.Completion).Length > lm.Config.ContextLength) { tooLong++; continue; }
            var d = KeyWordProbe.Drops(lm, p);
            if (d.KeyDrop < minKeyDrop) continue;
            kept.Add(p);
            drops.Add((d.KeyDrop, d.FillerDrop, KeyWordProbe.GreedyCompletes(lm, p)));
        }
        int tokens = kept.Count == 0 ? 0 : kept.Max(p => lm.PromptIds(p.Text).Length);
        string stats = kept.Count == 0 ? "none" :
            $"answer drop when the 2 key words go: mean {drops.Average(d => d.Key):F2} nats (min {drops.Min(d => d.Key):F2}); " +
            $"when all {units - 2} filler words go: mean {drops.Average(d => d.Filler):F2} (min {drops.Min(d => d.Filler):F2}, max {drops.Max(d => d.Filler):F2}); " +
            $"answer tokens e.g. [{string.Join(" ", lm.ContinuationIds(kept[0].Completion).Select(lm.Tokenizer.TokenText))}]; " +
            $"greedy completion = answer in {drops.Count(d => d.Greedy)}/{kept.Count}; {tooLong} skipped as longer than the context; longest prompt {tokens} tokens (context {lm.Config.ContextLength})";
        return (kept, tried, stats);
    }

    private static string Row(LanguageModel lm, List<KeyWordPrompt> kept, int units, Config c, int steps, bool trace)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var evaluations = new List<int>();
        int strict = 0, top = 0;
        double deletion = 0, insertion = 0, comprehensiveness = 0, sufficiency = 0;
        foreach (var p in kept)
        {
            var result = AttributionEngine.Run(lm, new AttributionRequest
            {
                Text = p.Text, Completion = p.Completion, Method = c.Method, Unit = "spans", Spans = p.Spans,
                Perturbation = c.Perturbation, Hipe = c.Hipe, Faithfulness = true,
                FaithfulnessOptions = new FaithfulnessOptions { Steps = steps, EraserFractions = [2.0 / units] },
            });
            evaluations.Add(result.Evaluations);
            var key = p.KeyUnits.Select(u => result.Units[u].Score).ToList();
            var filler = p.FillerUnits.Select(u => result.Units[u].Score).DefaultIfEmpty(double.NegativeInfinity).ToList();
            if (key.Min() > filler.Max()) strict++;
            if (key.Max() > filler.Max()) top++;
            // The trace is for finding out why a prompt fails or costs more than PIZZA's HiPe did at most (48), so only those are shown.
            if (trace && (key.Min() <= filler.Max() || result.Evaluations > 48)) Console.WriteLine($"  {c.Method} {c.Threshold} {c.Chunk}: " + HipeTrace.Describe(result, p));
            var f = result.Faithfulness!;
            deletion += f.DeletionAuc / kept.Count;
            insertion += f.InsertionAuc / kept.Count;
            comprehensiveness += f.Eraser[0].Comprehensiveness / kept.Count;
            sufficiency += f.Eraser[0].Sufficiency / kept.Count;
        }
        return $"| {2.0 / units:P0} | {units} | {c.Method} | {c.Perturbation} | {c.Threshold} | {c.Chunk} | " +
               $"{evaluations.Average():F1} ({evaluations.Min()}-{evaluations.Max()}) | {strict}/{kept.Count} | {top}/{kept.Count} | " +
               $"{deletion:F2} | {insertion:F2} | {comprehensiveness:F2} | {sufficiency:F2} | {clock.Elapsed.TotalSeconds:F0} s";
    }

    /// <summary>Per candidate key/cue: greedy completion and ablation drops at each size (no attribution).</summary>
    private static int Probe(LanguageModel lm, int seeds)
    {
        foreach (var t in KeyWordPrompts.Candidates())
        {
            var line = new List<string>();
            foreach (int units in new[] { 4, 20, 200 })
            {
                int ok = 0; double key = 0, filler = 0, lp = 0;
                for (int s = 0; s < seeds; s++)
                {
                    var p = KeyWordPrompts.Build(t, units, new Random(units * 100 + s));
                    if (KeyWordProbe.GreedyCompletes(lm, p)) ok++;
                    var d = KeyWordProbe.Drops(lm, p);
                    key += d.KeyDrop / seeds; filler += d.FillerDrop / seeds; lp += d.LogProb / seeds;
                }
                line.Add($"{units}: greedy {ok}/{seeds} log-prob {lp:F2} key drop {key:F2} filler drop {filler:F2}");
            }
            Console.WriteLine($"{string.Format(t.Key, t.First, t.Second)} | {t.Cue} -> {t.Completion} | {string.Join(" | ", line)}");
        }
        return 0;
    }

    private static double DoubleArg(string[] args, string name, double fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? double.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
    }

    private static string[] ListArg(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return (i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback).Split(',', StringSplitOptions.RemoveEmptyEntries);
    }
}
