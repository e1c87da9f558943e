using LeapEngine.Cli.Check;

namespace LeapEngine.Cli.Tests.Check;

/// <summary>The visible and span shares, computed from an attribution's units by hand here and by Figures.</summary>
public sealed class FiguresTests
{
    // System text "abcdefghij"; absolute mass 1 + 3 + 0.5 + 2.5 + 1 = 8.
    private static readonly CaseRun Run = new(" done", 1.25, 0.5625,
    [
        new UnitScore("system", 0, 3, 1.0), new UnitScore("system", 3, 4, -3.0), new UnitScore("system", 7, 3, 0.5),
        new UnitScore("user", 0, 5, 2.5), new UnitScore("assistant", 0, 2, -1.0),
    ]);

    private static NamedSpan Span(string name, int start, int length) => new(name, start, length, new SourceLocation("x", 1));

    [Fact]
    public void Shares_are_absolute_mass_fractions_of_the_units_they_cover()
    {
        var figures = Figures.Of(Run, [Span("head", 2, 3), Span("tail", 7, 3), Span("gap", 10, 2)]);
        Assert.Equal(1.25, figures[Figures.LogProbDrop]);
        Assert.Equal(0.5625, figures[Figures.AttributionShare]);          // the engine's own, passed through
        Assert.Equal(3.5 / 8, figures[Figures.VisibleShare], 12);          // user and assistant units
        Assert.Equal(4.0 / 8, figures["span_share:head"], 12);            // [2,5) overlaps [0,3) and [3,7)
        Assert.Equal(0.5 / 8, figures["span_share:tail"], 12);
        Assert.Equal(0, figures["span_share:gap"]);                       // past every system unit
        // The system units' share plus the visible share is the whole mass.
        Assert.Equal(1.0, Figures.Of(Run, [Span("all", 0, 10)])["span_share:all"] + figures[Figures.VisibleShare], 12);
    }

    [Fact]
    public void No_attribution_mass_means_no_share_rather_than_a_division_by_zero()
    {
        var figures = Figures.Of(new CaseRun("", 0, 0, [new UnitScore("user", 0, 1, 0)]), [Span("s", 0, 1)]);
        Assert.Equal(0, figures[Figures.VisibleShare]);
        Assert.Equal(0, figures["span_share:s"]);
    }

    [Fact]
    public void Repeats_give_the_mean_and_the_sample_standard_deviation()
    {
        var runs = new[] { 1.0, 2.0, 3.0, 4.0 }.Select(d => Run with { LogProbDrop = d }).ToList();
        var stats = Figures.Over(runs, [])[Figures.LogProbDrop];
        Assert.Equal(2.5, stats.Mean, 12);
        Assert.Equal(Math.Sqrt(5.0 / 3), stats.StdDev, 12);               // Σ(x−2.5)² = 5, over n − 1 = 3
        Assert.Equal(4, stats.N);
        Assert.Equal(0, Figures.Over([Run], [])[Figures.LogProbDrop].StdDev);
    }
}
