using System.Text.Json;
using LeapEngine.Core.Tests;

namespace LeapEngine.Cli.Tests;

/// <summary>leap synth bench optimise and glitch, end to end on models of a few training steps (the trained models' figures are in docs/benchmarks.md).</summary>
[Collection(nameof(ConsoleCollection))]
public sealed class SynthOptimiseGlitchBenchTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]   // two trainings and twelve searches: 1.7 s on the quiet CI machine, so not Slow
    public async Task BothBenchesRunOnTheirOwnModelsAndRefuseOthers()
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
