using System.Text.Json;
using LeapEngine.Core.Tests;

namespace LeapEngine.Cli.Tests;

/// <summary>leap synth train and bench, end to end on a few training steps (the trained-to-99% model is tested in Core).</summary>
[Collection(nameof(ConsoleCollection))]
public sealed class SynthCommandTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Train_writes_a_loadable_folder_and_bench_scores_it()
    {
        var dir = _temp.Sub("kr");
        var (code, output, err) = await CliHarness.RunAsync("synth", "train", "--task", "key-retrieval", "--seed", "3", "--out", dir,
            "--steps", "4", "--eval-lengths", "8", "--eval-per-length", "4");
        // Four steps cannot solve the task: the folder is written and the exit code says it is below 99%.
        Assert.True(code == 3, $"exit {code}: {err}");
        Assert.Contains("held-out accuracy", output);
        Assert.Contains("causal check", output);
        foreach (var file in new[] { "config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "synth.json" })
            Assert.True(File.Exists(Path.Combine(dir, file)), file);
        using (var card = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "synth.json"))))
        {
            Assert.Equal("key-retrieval", card.RootElement.GetProperty("task").GetString());
            Assert.Equal(3, card.RootElement.GetProperty("seed").GetInt32());
            Assert.Equal(4, card.RootElement.GetProperty("evaluation").GetProperty("lengths")[0].GetProperty("total").GetInt32());
        }

        var json = _temp.Sub("rows.json");
        (code, output, err) = await CliHarness.RunAsync("synth", "bench", "attribution", "-m", dir, "--lengths", "6", "--prompts", "1", "--json", json);
        Assert.True(code == 0, err);
        Assert.Contains("| 6 | 50% (3) | itp |", output);
        using var rows = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Equal(3 * 7, rows.RootElement.GetArrayLength());

        (code, _, err) = await CliHarness.RunAsync("synth", "bench", "system", "--rule", dir, "--control", dir);
        Assert.Equal(1, code);
        Assert.Contains("not a system-rule or system-control model", err);
    }

    [Fact]
    public async Task Bad_arguments_say_what_to_fix()
    {
        var (code, _, err) = await CliHarness.RunAsync("synth", "train", "--task", "nope", "--out", _temp.Sub("x"));
        Assert.Equal(1, code);
        Assert.Contains("key-retrieval, conjunction, system-rule, system-control", err);
        (code, _, err) = await CliHarness.RunAsync("synth", "train", "--task", "key-retrieval", "--out", _temp.Sub("x"), "--eval-lengths", "8,zz");
        Assert.Equal(1, code);
        Assert.Contains("--eval-lengths: 'zz'", err);
        (code, _, err) = await CliHarness.RunAsync("synth", "bench", "attribution", "-m", _temp.Path);
        Assert.Equal(1, code);
        Assert.Contains("no synth.json", err);
    }
}
