using System.Text.Json;
using LeapEngine.Cli.Commands.Synth;
using LeapEngine.Core.Serialization;
using LeapEngine.Core.Synthetic.Bench;
using LeapEngine.Core.Tests;

namespace LeapEngine.Cli.Tests;

/// <summary>leap synth bench optimise and glitch, end to end on models of a few training steps (the trained models' figures are in docs/benchmarks.md).</summary>
[Collection(nameof(ConsoleCollection))]
public sealed class SynthOptimiseGlitchBenchTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Rows_of_several_models_and_budgets_pool_into_success_against_budget_and_a_drawn_figure()
    {
        // Two models at 1,000 work and one at 4,000: written as the bench writes them, without a model to run.
        var small11 = Write("a.json", 1_000, "trigger-11", [Run("gcg", 0, 0, true, true), Run("gcg", 0, 1, false), Run("descent", 0, 0, true)]);
        var small12 = Write("b.json", 1_000, "trigger-12", [Run("gcg", 0, 0, false), Run("descent", 0, 0, false)]);
        var large11 = Write("c.json", 4_000, "trigger-11", [Run("gcg", 0, 0, true), Run("descent", 0, 0, true)]);
        var plots = _temp.Sub("plots");
        var (code, output, err) = await CliHarness.RunAsync("synth", "bench", "optimise", "--rows", small11, small12, large11, "--plots", plots);
        Assert.True(code == 0, err);
        Assert.Contains("| 1,000 | gcg | 1/3 | 0.33 (0.06-0.79) | 1/3 | 1/2 |", output);   // Wilson 95% for 1 of 3
        Assert.Contains("| 1,000 | descent | 1/2 |", output);
        Assert.Contains("| 4,000 | gcg | 1/1 | 1.00 (0.21-1.00) | 0/1 | 1/1 |", output);
        PngChecks.AssertDrawn(Path.Combine(plots, "optimise-success-vs-budget.png"));

        (code, _, err) = await CliHarness.RunAsync("synth", "bench", "optimise", "--rows", small11, small11);
        Assert.Equal(1, code);
        Assert.Contains("run counted twice: model trigger-11, budget 1000, gcg, trigger 0, seed 0", err);
        var otherLength = Write("d.json", 1_000, "trigger-12", [Run("gcg", 1, 0, true)], length: 3);
        (code, _, err) = await CliHarness.RunAsync("synth", "bench", "optimise", "--rows", small11, otherLength);
        Assert.Equal(1, code);
        Assert.Contains("compare runs of one setting", err);
        var unnamed = _temp.Sub("e.json");
        File.WriteAllText(unnamed, File.ReadAllText(small11).Replace("\"model\"", "\"not_the_model\""));
        (code, _, err) = await CliHarness.RunAsync("synth", "bench", "optimise", "--rows", unnamed);
        Assert.Equal(1, code);
        Assert.Contains("does not name its model", err);
        var broken = _temp.Sub("f.json");
        File.WriteAllText(broken, "{ \"runs\": 3 }");
        (code, _, err) = await CliHarness.RunAsync("synth", "bench", "optimise", "--rows", broken);
        Assert.Equal(1, code);
        Assert.Contains("is not an optimise bench file", err);
        (code, _, err) = await CliHarness.RunAsync("synth", "bench", "optimise", "--rows", small11, "-m", _temp.Sub("x"));
        Assert.Equal(1, code);
        Assert.Contains("not both", err);
        (code, _, err) = await CliHarness.RunAsync("synth", "bench", "optimise");
        Assert.Equal(1, code);
        Assert.Contains("give --model DIR", err);
    }

    private static OptimisationBenchRun Run(string method, int trigger, long seed, bool won, bool recovered = false) =>
        new(method, trigger, " za", seed, won, won ? 500 : null, won ? 1 : null, 900, won ? "found" : "work_budget",
            won ? " ba" : null, won ? recovered : null, won ? true : null, 1);

    private string Write(string name, long budget, string model, List<OptimisationBenchRun> runs, int length = 4)
    {
        var path = _temp.Sub(name);
        File.WriteAllText(path, JsonSerializer.Serialize(new OptimiseBenchFile(budget, length, "task", model, runs), SnakeCase.Indented));
        return path;
    }

    [Fact]   // two trainings and twelve searches: 1.7 s on the quiet CI machine, so not Slow
    public async Task Both_benches_run_on_their_own_models_and_refuse_others()
    {
        var trigger = _temp.Sub("trigger");
        var glitch = _temp.Sub("glitch");
        foreach (var (task, dir) in new[] { ("trigger", trigger), ("glitch", glitch) })
        {
            var (trained, _, trainErr) = await CliHarness.RunAsync("synth", "train", "--task", task, "--seed", "1", "--out", dir,
                "--steps", "3", "--eval-lengths", "10", "--eval-per-length", "4");
            Assert.True(trained == 3, $"exit {trained}: {trainErr}");   // three steps cannot reach 99%
        }

        var json = _temp.Sub("optimise.json");
        var (code, output, err) = await CliHarness.RunAsync("synth", "bench", "optimise", "-m", trigger, "--seeds", "0", "--max-work", "3000", "--json", json);
        Assert.True(code == 0, err);
        Assert.Contains("| method | runs succeeded | trigger recovered |", output);
        using (var doc = JsonDocument.Parse(File.ReadAllText(json)))
        {
            Assert.Equal(4 * 3, doc.RootElement.GetProperty("runs").GetArrayLength());   // 4 targets x 3 methods x 1 seed
            Assert.Equal(3, doc.RootElement.GetProperty("totals").GetArrayLength());
            Assert.Equal("trigger", doc.RootElement.GetProperty("model").GetString());   // the folder name: --rows tells models apart by it
            Assert.Equal(3000, doc.RootElement.GetProperty("max_work").GetInt64());
            Assert.All(doc.RootElement.GetProperty("runs").EnumerateArray(), r => Assert.InRange(r.GetProperty("work").GetInt64(), 1, 3000));   // one GCG step here costs 2,728
        }

        (code, output, err) = await CliHarness.RunAsync("synth", "bench", "glitch", "-m", glitch, "--tops", "4,16", "--control-sample", "5");
        Assert.True(code == 0, err);
        Assert.Contains("planted glitch words: 16 of", output);
        Assert.Contains("| 16 | 32 |", output);
        Assert.Contains("embeddings: planted rows moved", output);

        (code, _, err) = await CliHarness.RunAsync("synth", "bench", "optimise", "-m", glitch);
        Assert.Equal(1, code);
        Assert.Contains("is not a trigger model", err);
        (code, _, err) = await CliHarness.RunAsync("synth", "bench", "glitch", "-m", trigger);
        Assert.Equal(1, code);
        Assert.Contains("is not a glitch model", err);
        (code, _, err) = await CliHarness.RunAsync("synth", "bench", "optimise", "-m", trigger, "--length", "2");
        Assert.Equal(1, code);
        Assert.Contains("--length must be in [3, 64]", err);
        (code, _, err) = await CliHarness.RunAsync("synth", "bench", "optimise", "-m", trigger, "--seeds", "0,x");
        Assert.Equal(1, code);
        Assert.Contains("--seeds: 'x'", err);
        (code, _, err) = await CliHarness.RunAsync("synth", "bench", "glitch", "-m", glitch, "--tops", "0");
        Assert.Equal(1, code);
        Assert.Contains("--tops: '0'", err);
    }
}
