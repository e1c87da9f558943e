using System.Text.Json;
using LeapEngine.Cli.Plots;
using LeapEngine.Core.Tests;

namespace LeapEngine.Cli.Tests;

/// <summary>
/// The benchmarks' figures: leap synth bench planted and system end to end on 2-step models (rows, PNGs, the redraw from
/// rows), the partition and glitch figures redrawn from the results checked in under docs/benchmarks (the commands
/// docs/benchmarks.md gives), the bar helper's refusals, and the errors of each.
/// </summary>
[Collection(nameof(ConsoleCollection))]
public sealed class SynthFiguresCommandTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    private async Task<string> Train(string task)
    {
        var dir = _temp.Sub(task);
        var (code, _, err) = await CliHarness.RunAsync("synth", "train", "--task", task, "--seed", "4", "--out", dir,
            "--steps", "2", "--eval-lengths", "6", "--eval-per-length", "2");
        Assert.True(code == 3, $"exit {code}: {err}");   // two steps cannot reach 99%: written, flagged
        return dir;
    }

    [Fact]
    [Trait("Category", "Slow")]   // three trainings and four benchmark runs: over 10 s on a loaded machine
    public async Task Planted_and_system_benches_write_rows_and_figures_and_redraw_them()
    {
        var conjunction = await Train("conjunction");
        var rule = await Train("system-rule");
        var control = await Train("system-control");
        var plots = _temp.Sub("plots");

        var planted = _temp.Sub("planted.json");
        var (code, output, err) = await CliHarness.RunAsync("synth", "bench", "planted", "-m", conjunction, "--lengths", "4",
            "--prompts", "1", "--perturbation", "remove", "--json", planted, "--plots", plots);
        Assert.True(code == 0, err);
        Assert.Contains("| conjunction | 4 | remove | 4 | pizza |", output);
        using (var rows = JsonDocument.Parse(File.ReadAllText(planted)))
        {
            Assert.Equal(["itp", "default relative 0.25", "pizza"], rows.RootElement.EnumerateArray().Select(r => r.GetProperty("config").GetString()));
            var itp = rows.RootElement[0];
            Assert.Equal(5.0, itp.GetProperty("mean_evaluations").GetDouble());   // ItP: one pass per word and the unperturbed prompt
            Assert.Equal(2, itp.GetProperty("planted").GetInt32());
            Assert.Equal(["first word", "second word"], itp.GetProperty("words").EnumerateArray().Select(w => w.GetProperty("word").GetString()));
        }
        PngChecks.AssertDrawn(Path.Combine(plots, "planted-conjunction-remove.png"));
        (code, _, err) = await CliHarness.RunAsync("synth", "bench", "planted", "--rows", planted, "--plots", plots, "--name", "again");
        Assert.True(code == 0, err);
        PngChecks.AssertDrawn(Path.Combine(plots, "again-conjunction-remove.png"));

        var system = _temp.Sub("system.json");
        (code, output, err) = await CliHarness.RunAsync("synth", "bench", "system", "--rule", rule, "--control", control, "--length", "4",
            "--prompts", "2", "--json", system, "--plots", plots);
        Assert.True(code == 0, err);
        Assert.Contains("| system-control | 4 | 4 |", output);
        using (var rows = JsonDocument.Parse(File.ReadAllText(system)))
            Assert.Equal([("system-rule", 4), ("system-control", 4)],
                rows.RootElement.EnumerateArray().Select(r => (r.GetProperty("model").GetString(), r.GetProperty("model_seed").GetInt32())));
        foreach (var figure in new[] { "system-prompt-logprob-drop.png", "system-prompt-share.png" }) PngChecks.AssertDrawn(Path.Combine(plots, figure));
        (code, _, err) = await CliHarness.RunAsync("synth", "bench", "system", "--rows", system, "--plots", plots, "--name", "again");
        Assert.True(code == 0, err);
        PngChecks.AssertDrawn(Path.Combine(plots, "again-share.png"));

        // Errors: the wrong model for an option, rows of another benchmark, unknown configurations, both a model and rows.
        (code, _, err) = await CliHarness.RunAsync("synth", "bench", "system", "--rule", control, "--control", rule);
        Assert.Equal(1, code);
        Assert.Contains("is a system-control model; --rule needs a system-rule one", err);
        (code, _, err) = await CliHarness.RunAsync("synth", "bench", "system", "--rows", planted, "--plots", plots);
        Assert.Equal(1, code);
        Assert.Contains("does not hold system-prompt rows", err);
        (code, _, err) = await CliHarness.RunAsync("synth", "bench", "planted", "-m", conjunction, "--configs", "itp,nope");
        Assert.Equal(1, code);
        Assert.Contains("--configs: no configuration 'nope'", err);
        (code, _, err) = await CliHarness.RunAsync("synth", "bench", "planted", "-m", conjunction, "--lengths", "1");
        Assert.Equal(1, code);
        Assert.Contains("--lengths: '1' must be a whole number in [2,", err);
        (code, _, err) = await CliHarness.RunAsync("synth", "bench", "planted", "-m", conjunction, "--rows", planted);
        Assert.Equal(1, code);
        Assert.Contains("not both", err);
    }

    [Fact]
    public async Task Partition_and_glitch_figures_redraw_from_the_checked_in_results()
    {
        var rows = Path.Combine(RepoRoot(), "docs", "benchmarks");
        var plots = _temp.Sub("plots");
        var partition = new[] { 1, 2, 11, 12 }.Select(s => $"{s}={Path.Combine(rows, $"partition-latent-categories-{s}.json")}").ToArray();
        var (code, output, err) = await CliHarness.RunAsync(["synth", "bench", "partition", "--rows", .. partition, "--plots", plots]);
        Assert.True(code == 0, err);
        foreach (var figure in new[] { "partition-agreement.png", "partition-ablation.png", "partition-ood.png" })
        {
            Assert.Contains(figure, output);
            PngChecks.AssertDrawn(Path.Combine(plots, figure));
        }

        var glitch = new[] { 1, 2, 11, 12 }.Select(s => $"{s}={Path.Combine(rows, $"glitch-bench-{s}.json")}").ToArray();
        (code, _, err) = await CliHarness.RunAsync(["synth", "bench", "glitch", "--rows", .. glitch, "--plots", plots]);
        Assert.True(code == 0, err);
        PngChecks.AssertDrawn(Path.Combine(plots, "glitch.png"));

        (code, _, err) = await CliHarness.RunAsync("synth", "bench", "partition", "--rows", partition[0]);
        Assert.Equal(1, code);
        Assert.Contains("give --plots FOLDER", err);
        (code, _, err) = await CliHarness.RunAsync("synth", "bench", "partition", "--rows", glitch[0], "--plots", plots);
        Assert.Equal(1, code);
        Assert.Contains("does not hold partition results", err);
        (code, _, err) = await CliHarness.RunAsync("synth", "bench", "glitch", "--rows", "1=", "--plots", plots);
        Assert.Equal(1, code);
        Assert.Contains("must be FILE or LABEL=FILE", err);
        (code, _, err) = await CliHarness.RunAsync("synth", "bench", "glitch", "--rows", _temp.Sub("missing.json"), "--plots", plots);
        Assert.Equal(1, code);
        Assert.Contains("--rows: no file", err);
        (code, _, err) = await CliHarness.RunAsync("synth", "bench", "glitch", "--plots", plots);
        Assert.Equal(1, code);
        Assert.Contains("give --model DIR (a glitch model) or --rows FILE", err);
    }

    [Fact]
    public void The_bar_helper_draws_groups_and_refuses_bad_data()
    {
        var path = _temp.Sub("bars.png");
        BenchBars.SaveGrouped(path, "title", "y", ["a", "b", "c"],
            [new BarSeries("one", [[0.2, 0.4], [1], []]), new BarSeries("two", [[-0.1], [0.5, 0.6, 0.7], [0.3]])]);
        PngChecks.AssertDrawn(path);

        Assert.Contains("values for 2 groups, the plot has 3",
            Assert.Throws<ArgumentException>(() => BenchBars.SaveGrouped(path, "t", "y", ["a", "b", "c"], [new BarSeries("s", [[1], [2]])])).Message);
        Assert.Contains("not a finite number",
            Assert.Throws<ArgumentException>(() => BenchBars.SaveGrouped(path, "t", "y", ["a"], [new BarSeries("s", [[double.NaN]])])).Message);
        Assert.Contains("has no values",
            Assert.Throws<ArgumentException>(() => BenchBars.SaveGrouped(path, "t", "y", ["a"], [new BarSeries("s", [[]])])).Message);
        Assert.Throws<ArgumentException>(() => BenchBars.SaveGrouped(path, "t", "y", [], [new BarSeries("s", [])]));
        Assert.Throws<ArgumentException>(() => BenchBars.SaveGrouped(path, "t", "y", ["a"], []));

        Assert.Equal("unseen entity\nwords\n(hard)", BenchBars.Wrap("unseen entity words\n(hard)", 13));
        Assert.Equal("blocks.0.hook_resid_pre", BenchBars.Wrap("blocks.0.hook_resid_pre", 8));   // a word longer than a line stays whole
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "LeapEngine.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("the tests run outside the repository");
    }
}
