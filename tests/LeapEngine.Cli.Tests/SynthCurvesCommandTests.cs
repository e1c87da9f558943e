using System.Text.Json;
using LeapEngine.Cli.Plots;
using LeapEngine.Core.Tests;

namespace LeapEngine.Cli.Tests;

/// <summary>leap synth bench curves end to end on a 2-step model and tiny prompts, and the plot helper it draws with.</summary>
[Collection(nameof(ConsoleCollection))]
public sealed class SynthCurvesCommandTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Curves_write_a_row_per_cell_and_a_figure_per_density_and_redraw_from_the_rows()
    {
        var dir = _temp.Sub("kr");
        var (code, _, err) = await CliHarness.RunAsync("synth", "train", "--task", "key-retrieval", "--seed", "3", "--out", dir,
            "--steps", "2", "--eval-lengths", "8", "--eval-per-length", "2");
        Assert.True(code == 3, $"exit {code}: {err}");

        var json = _temp.Sub("rows.json");
        var plots = _temp.Sub("plots");
        (code, var output, err) = await CliHarness.RunAsync("synth", "bench", "curves", "-m", dir, "--lengths", "6", "--prompts", "1",
            "--seeds", "4", "--perturbation", "remove", "--json", json, "--plots", plots);
        Assert.True(code == 0, err);
        Assert.Contains("| 4 | remove | 6 | 50% (3) | pizza |", output);
        Assert.Contains("| hipe pizza | pizza |", output);   // the summary the defaults are chosen from
        using (var rows = JsonDocument.Parse(File.ReadAllText(json)))
        {
            // 9 configurations x 3 densities x 1 length x 1 perturbation x 1 seed.
            Assert.Equal(9 * 3, rows.RootElement.GetArrayLength());
            var first = rows.RootElement[0];
            Assert.Equal(4, first.GetProperty("seed").GetInt32());
            Assert.Equal("itp", first.GetProperty("family").GetString());
            Assert.Equal(7.0, first.GetProperty("mean_evaluations").GetDouble());   // ItP: one evaluation per word, and the unperturbed prompt
            Assert.Contains(rows.RootElement.EnumerateArray(), r => r.GetProperty("family").GetString() == "hipe pizza");
        }
        var figures = new[] { "1pct", "10pct", "50pct" }.Select(d => Path.Combine(plots, $"attribution-curves-remove-{d}.png")).ToArray();
        foreach (var figure in figures) PngChecks.AssertDrawn(figure);

        // A subset of the configurations, in the order given.
        var subset = _temp.Sub("subset.json");
        (code, _, err) = await CliHarness.RunAsync("synth", "bench", "curves", "-m", dir, "--lengths", "6", "--prompts", "1", "--seeds", "4",
            "--perturbation", "remove", "--configs", "pizza, itp", "--json", subset);
        Assert.True(code == 0, err);
        using (var rows = JsonDocument.Parse(File.ReadAllText(subset)))
            Assert.Equal(Enumerable.Repeat(new[] { "pizza", "itp" }, 3).SelectMany(x => x),
                rows.RootElement.EnumerateArray().Select(r => r.GetProperty("config").GetString()));

        // Redrawing from the rows alone (no model) writes the same figures under another name.
        (code, _, err) = await CliHarness.RunAsync("synth", "bench", "curves", "--rows", json, "--plots", plots, "--name", "again");
        Assert.True(code == 0, err);
        PngChecks.AssertDrawn(Path.Combine(plots, "again-remove-50pct.png"));
        (code, output, err) = await CliHarness.RunAsync("synth", "bench", "curves", "--rows", json);
        Assert.True(code == 0, err);
        Assert.Contains("| remove | 6 | 50% (3) | pizza |", output);   // the cells pooled over seeds
        // A subset redrawn from rows that hold all nine: only its cells are printed.
        (code, output, err) = await CliHarness.RunAsync("synth", "bench", "curves", "--rows", json, "--configs", "itp");
        Assert.True(code == 0, err);
        Assert.Contains("| remove | 6 | 1% (1) | itp |", output);
        Assert.DoesNotContain("| pizza |", output);
        (code, _, err) = await CliHarness.RunAsync("synth", "bench", "curves", "--rows", subset, "--configs", "default chunks of 8");
        Assert.Equal(1, code);
        Assert.Contains("the rows hold none of these configurations", err);
        (code, _, err) = await CliHarness.RunAsync("synth", "bench", "curves", "--rows", json, json);
        Assert.Equal(1, code);
        Assert.Contains("seed 4 appears twice", err);

        (code, _, err) = await CliHarness.RunAsync("synth", "bench", "curves", "-m", dir, "--rows", json);
        Assert.Equal(1, code);
        Assert.Contains("not both", err);
        (code, _, err) = await CliHarness.RunAsync("synth", "bench", "curves", "--rows", _temp.Sub("missing.json"));
        Assert.Equal(1, code);
        Assert.Contains("--rows: no file", err);
        (code, _, err) = await CliHarness.RunAsync("synth", "bench", "curves", "-m", dir, "--configs", "itp,pizza chunks of 7");
        Assert.Equal(1, code);
        Assert.Contains("--configs: no configuration 'pizza chunks of 7'", err);
        (code, _, err) = await CliHarness.RunAsync("synth", "bench", "curves", "-m", dir, "--perturbation", "blur");
        Assert.Equal(1, code);
        Assert.Contains("unknown perturbation 'blur'", err);
    }

    [Fact]
    public void The_plot_helper_draws_every_series_and_refuses_bad_data()
    {
        var path = _temp.Sub("p/lines.png");
        BenchPlot.SaveLines(path, "title", "x", "y",
            [new PlotSeries("a", [1, 10, 100], [0.1, 0.5, 0.9]), new PlotSeries("b", [2, 20], [0.9, 0.2])], logX: true, yRange: (0, 1));
        PngChecks.AssertDrawn(path);

        Assert.Contains("2 x values and 1 y values",
            Assert.Throws<ArgumentException>(() => BenchPlot.SaveLines(path, "t", "x", "y", [new PlotSeries("a", [1, 2], [1])])).Message);
        Assert.Contains("every x above 0",
            Assert.Throws<ArgumentException>(() => BenchPlot.SaveLines(path, "t", "x", "y", [new PlotSeries("a", [0, 2], [1, 1])], logX: true)).Message);
        Assert.Contains("not a finite number",
            Assert.Throws<ArgumentException>(() => BenchPlot.SaveLines(path, "t", "x", "y", [new PlotSeries("a", [1], [double.NaN])])).Message);
        Assert.Throws<ArgumentException>(() => BenchPlot.SaveLines(path, "t", "x", "y", []));
    }
}
