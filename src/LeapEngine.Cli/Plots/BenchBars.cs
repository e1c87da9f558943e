using ScottPlot;

namespace LeapEngine.Cli.Plots;

/// <summary>
/// One bar series of a grouped bar chart: per group, the values it summarises (one per model seed, say). The bar is
/// their mean; with more than one value each is also drawn as a dot, so the spread over seeds stays visible.
/// An empty list leaves that group without this bar (nothing was measured there).
/// </summary>
public sealed record BarSeries(string Name, IReadOnlyList<IReadOnlyList<double>> Values);

/// <summary>Grouped bar charts for benchmark figures, rendered headless to PNG like <see cref="BenchPlot"/>, at its size.</summary>
public static class BenchBars
{
    public static void SaveGrouped(string path, string title, string yLabel, IReadOnlyList<string> groups, IReadOnlyList<BarSeries> series,
        (double Min, double Max)? yRange = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (groups.Count == 0) throw new ArgumentException($"plot '{title}' has no groups");
        if (series.Count == 0) throw new ArgumentException($"plot '{title}' has no series");
        foreach (var s in series)
        {
            if (s.Values.Count != groups.Count) throw new ArgumentException($"series '{s.Name}' has values for {s.Values.Count} groups, the plot has {groups.Count}");
            if (s.Values.SelectMany(v => v).Any(v => !double.IsFinite(v))) throw new ArgumentException($"series '{s.Name}' has a value that is not a finite number");
        }
        if (series.All(s => s.Values.All(v => v.Count == 0))) throw new ArgumentException($"plot '{title}' has no values");

        var plot = new Plot();
        plot.Title(title);
        plot.Axes.Title.Label.FontSize = 14;   // long titles (what, over which models) fit the width
        plot.YLabel(yLabel);
        var palette = new ScottPlot.Palettes.Category10();
        double width = 0.8 / series.Count;
        bool dotsInLegend = false;
        for (int s = 0; s < series.Count; s++)
        {
            var color = palette.GetColor(s);
            var bars = new List<Bar>();
            var dotX = new List<double>();
            var dotY = new List<double>();
            for (int g = 0; g < groups.Count; g++)
            {
                var values = series[s].Values[g];
                if (values.Count == 0) continue;
                double x = g + (s - (series.Count - 1) / 2.0) * width;
                bars.Add(new Bar { Position = x, Value = values.Average(), FillColor = color, Size = width * 0.9 });
                if (values.Count > 1)
                {
                    dotX.AddRange(values.Select(_ => x));
                    dotY.AddRange(values);
                }
            }
            if (bars.Count > 0) plot.Add.Bars(bars);
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = series[s].Name, FillColor = color });
            if (dotX.Count > 0)
            {
                var dots = plot.Add.Scatter(dotX.ToArray(), dotY.ToArray());
                dots.LineWidth = 0;
                dots.MarkerSize = 5;
                dots.Color = Colors.Black;
                dotsInLegend = true;
            }
        }
        if (dotsInLegend)
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = "each model (bar: mean)", MarkerShape = MarkerShape.FilledCircle, MarkerColor = Colors.Black, MarkerSize = 5 });
        if (series.SelectMany(s => s.Values).SelectMany(v => v).Any(v => v < 0)) plot.Add.HorizontalLine(0, 1, Colors.Gray);
        // Group names wrapped to the width of a group (about 7 pixels a character), so neighbours do not overlap.
        int perLine = Math.Max(8, 560 / groups.Count / 7);
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, groups.Count).Select(g => (double)g).ToArray(), groups.Select(g => Wrap(g, perLine)).ToArray());
        plot.Axes.SetLimitsX(-0.6, groups.Count - 0.4);
        if (yRange is var (min, max)) plot.Axes.SetLimitsY(min, max);
        plot.ShowLegend(Edge.Right);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null) Directory.CreateDirectory(folder);
        plot.SavePng(path, BenchPlot.Width, BenchPlot.Height);
    }

    /// <summary>Breaks a label into lines of at most <paramref name="perLine"/> characters at spaces (existing line breaks kept; a longer word stays whole).</summary>
    public static string Wrap(string label, int perLine) =>
        string.Join("\n", label.Split('\n').Select(line =>
        {
            var lines = new List<string>();
            var current = "";
            foreach (var word in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (current.Length > 0 && current.Length + 1 + word.Length > perLine)
                {
                    lines.Add(current);
                    current = word;
                }
                else current = current.Length == 0 ? word : current + " " + word;
            }
            lines.Add(current);
            return string.Join("\n", lines);
        }));
}
