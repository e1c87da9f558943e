using LeapEngine.Core.Attribution;
using LeapEngine.Core.Attribution.Methods;

namespace LeapEngine.Core.Tests.Attribution;

/// <summary>Methods as plug-ins: one registry of names, and each method's work estimate bounds what it runs.</summary>
public class MethodRegistryTests
{
    [Fact]
    public void Names_resolve_case_insensitively_and_an_unknown_one_lists_the_known()
    {
        Assert.Equal(["itp", "hipe"], AttributionMethods.Names);
        Assert.IsType<IterativeMethod>(AttributionMethods.Get(" ItP "));
        Assert.IsType<HierarchicalMethod>(AttributionMethods.Get("HIPE"));
        Assert.Equal("unknown method 'lime'; use itp or hipe", Assert.Throws<ArgumentException>(() => AttributionMethods.Get("lime")).Message);
        Assert.Throws<ArgumentException>(() => AttributionMethods.Get(null));
    }

    /// <summary>A scorer that scores every unit set by a fixed rule, counting what it is asked (no model needed).</summary>
    private sealed class CountingScorer(int units, Func<IReadOnlyList<int>, double> drop) : IAttributionScorer
    {
        public int Asked;
        public int UnitCount => units;
        public IReadOnlyList<double> CompletionTokenLogProbs => [-1.0];
        public double BaseLogProb => -1.0;
        public CompletionDrop[] Score(IReadOnlyList<IReadOnlyList<int>> unitSets, string? message = null)
        {
            Asked += unitSets.Count;
            return unitSets.Select(s => new CompletionDrop([drop(s)], [0])).ToArray();
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(200)]
    public void Each_method_stays_within_its_estimate(int units)
    {
        var settings = MethodSettings.Default with { Hipe = new HipeOptions { MaxSplitsPerStage = null, Threshold = HipeThreshold.Relative, RelativeThreshold = 0.01 } };
        foreach (var name in AttributionMethods.Names)
        {
            var method = AttributionMethods.Get(name);
            // Every unit matters a little (so HiPe keeps splitting), unit 3 a lot.
            var scorer = new CountingScorer(units, set => set.Sum(u => u == 3 ? 5.0 : 0.1 + u * 1e-3));
            var outcome = method.Run(scorer, settings);
            Assert.Equal(units, outcome.Units.Length);
            Assert.True(scorer.Asked <= method.MaxEvaluations(units, settings), $"{name}: {scorer.Asked} evaluations, estimate {method.MaxEvaluations(units, settings)}");
            if (name == "itp") Assert.Equal(units, scorer.Asked);
        }
    }
}
