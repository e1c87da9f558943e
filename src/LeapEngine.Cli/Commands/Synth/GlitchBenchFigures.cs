using LeapEngine.Cli.Plots;
using LeapEngine.Core.Synthetic.Bench;

namespace LeapEngine.Cli.Commands.Synth;

/// <summary>What <c>leap synth bench glitch --json</c> writes: the rows per --top and the embedding check.</summary>
public sealed record GlitchBenchFile(IReadOnlyList<GlitchBenchRow> Rows, GlitchEmbeddingCheck Embeddings);

/// <summary>
/// The glitch benchmark's figure, from one or more models (each labelled, e.g. by its seed): per number of tokens tested
/// at each end (--top), the finder's precision and recall against the planted words, its random control's precision
/// (where the control flagged anything) and a random pick's (the base rate). Bars are means over the models, dots each model's.
/// </summary>
public static class GlitchBenchFigures
{
    public static string Draw(IReadOnlyList<(string Label, GlitchBenchFile File)> models, string folder, string prefix)
    {
        if (models.Count == 0 || models.All(m => m.File.Rows.Count == 0)) throw new ArgumentException("no glitch rows to draw");
        var tops = models.SelectMany(m => m.File.Rows.Select(r => r.Top)).Distinct().Order().ToList();
        IReadOnlyList<IReadOnlyList<double>> Values(Func<GlitchBenchRow, double?> pick) =>
            tops.Select(t => (IReadOnlyList<double>)models.SelectMany(m => m.File.Rows.Where(r => r.Top == t))
                .Select(pick).OfType<double>().ToList()).ToList();
        var path = Path.Combine(folder, $"{prefix}.png");
        BenchBars.SaveGrouped(path,
            $"glitch finder vs {models[0].File.Rows[0].Planted} never-trained words (models {string.Join(", ", models.Select(m => m.Label))})",
            "precision / recall", tops.Select(t => $"top {t}").ToList(),
            [
                new BarSeries("finder precision", Values(r => r.Precision)),
                new BarSeries("finder recall", Values(r => r.Recall)),
                new BarSeries("control precision (if it flagged any)", Values(r => r.ControlPrecision)),
                new BarSeries("random pick (base rate)", Values(r => r.BaseRate)),
            ], yRange: (-0.02, 1.02));
        return Path.GetFullPath(path);
    }
}
