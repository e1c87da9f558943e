using System.Reflection;
using LeapEngine.Core.Optimisation;
using LeapEngine.Core.Optimisation.Options;

namespace LeapEngine.Core.Tests.Optimisation;

/// <summary>
/// The search options per method and hybrid variant: each type validates its own fields (naming the field, its bound and
/// the value given), a knob of another method or variant has no property to be set on, and the table the API and the
/// CLI consult (<see cref="HybridKnobs"/>) is read off those types. No model needed: these run in milliseconds.
/// </summary>
public class SearchOptionsTests
{
    public static TheoryData<string, SearchOptions> OutOfBounds => new()
    {
        { "DescentOptions.LearningRate must be a positive number, got 0", new DescentOptions { LearningRate = 0 } },
        { "DescentOptions.LearningRate must be a positive number, got NaN", new DescentOptions { LearningRate = double.NaN } },
        { "DescentOptions.LearningRate must be a positive number, got Infinity", new DescentOptions { LearningRate = double.PositiveInfinity } },
        { "DescentOptions.NearestTokenWeight must be a number >= 0, got -1", new DescentOptions { NearestTokenWeight = -1 } },
        { "DescentOptions.NearestTokenWeight must be a number >= 0, got Infinity", new DescentOptions { NearestTokenWeight = double.PositiveInfinity } },
        { "GcgOptions.TopK must be 1 to 4096, got 0", new GcgOptions { TopK = 0 } },
        { "GcgOptions.TopK must be 1 to 4096, got 4097", new GcgOptions { TopK = 4097 } },
        { "GcgOptions.SearchWidth must be 1 to 4096, got 0", new GcgOptions { SearchWidth = 0 } },
        { "GcgOptions.SearchWidth must be 1 to 4096, got 4097", new GcgOptions { SearchWidth = 4097 } },
        { "SequentialHybridOptions.DescentFraction must lie strictly between 0 and 1, got 0", new SequentialHybridOptions { DescentFraction = 0 } },
        { "SequentialHybridOptions.DescentFraction must lie strictly between 0 and 1, got 1", new SequentialHybridOptions { DescentFraction = 1 } },
        { "SequentialHybridOptions.DescentFraction must lie strictly between 0 and 1, got NaN", new SequentialHybridOptions { DescentFraction = double.NaN } },
        { "ChainHybridOptions.DescentSteps must be 1 to 16, got 0", new ChainHybridOptions { DescentSteps = 0 } },
        { "AnchoredHybridOptions.DescentSteps must be 1 to 16, got 17", new AnchoredHybridOptions { DescentSteps = 17 } },
        { "AnchoredHybridOptions.NearestTokens must be 1 to 64, got 0", new AnchoredHybridOptions { NearestTokens = 0 } },
        { "ChainHybridOptions.NearestTokens must be 1 to 64, got 65", new ChainHybridOptions { NearestTokens = 65 } },
        { "ReseedHybridOptions.DescentSteps must be 1 to 16, got 0", new ReseedHybridOptions { DescentSteps = 0 } },
        { "ReseedHybridOptions.StallSteps must be 1 to 1000, got 0", new ReseedHybridOptions { StallSteps = 0 } },
        { "ReseedHybridOptions.StallSteps must be 1 to 1000, got 1001", new ReseedHybridOptions { StallSteps = 1001 } },
        // A hybrid's GCG and descent are checked as part of it, named by their path.
        { "AnchoredHybridOptions.Gcg.SearchWidth must be 1 to 4096, got 0", new AnchoredHybridOptions { Gcg = new GcgOptions { SearchWidth = 0 } } },
        { "ReseedHybridOptions.Descent.NearestTokenWeight must be a number >= 0, got -0.5",
            new ReseedHybridOptions { Descent = new DescentOptions { NearestTokenWeight = -0.5 } } },
        { "SequentialHybridOptions.Gcg is required, got null", new SequentialHybridOptions { Gcg = null! } },
        { "ChainHybridOptions.Descent is required, got null", new ChainHybridOptions { Descent = null! } },
    };

    [Theory]
    [MemberData(nameof(OutOfBounds))]
    public void Each_options_type_refuses_a_field_out_of_bounds_naming_it_and_the_value(string message, SearchOptions options)
    {
        var e = Assert.Throws<InvalidOptionException>(options.Validate);
        Assert.Equal(message, e.Message);
        Assert.Equal(message[..message.IndexOf(' ')], e.ParamName);   // the field's path, for a host to spell its own way
    }

    public static TheoryData<SearchOptions> AtTheirBounds => new()
    {
        new DescentOptions(), new DescentOptions { LearningRate = double.Epsilon, NearestTokenWeight = 0 },
        new GcgOptions(), new GcgOptions { TopK = 1, SearchWidth = 4096 }, new GcgOptions { TopK = 4096, SearchWidth = 1 },
        new SequentialHybridOptions(), new SequentialHybridOptions { DescentFraction = 0.999 }, new SequentialHybridOptions { DescentFraction = 0.001 },
        new ChainHybridOptions { DescentSteps = 16, NearestTokens = 1 }, new AnchoredHybridOptions { DescentSteps = 1, NearestTokens = 64 },
        new ReseedHybridOptions { DescentSteps = 16, StallSteps = 1000 }, new ReseedHybridOptions { StallSteps = 1 },
    };

    [Theory]
    [MemberData(nameof(AtTheirBounds))]
    public void Defaults_and_values_at_the_bounds_are_valid(SearchOptions options) => options.Validate();

    [Fact]
    public void The_defaults_are_the_values_the_methods_were_tuned_with()
    {
        // What the flat request held before options per method: the searches' results for a seed depend on them.
        Assert.Equal((0.1, 1.0), (new DescentOptions().LearningRate, new DescentOptions().NearestTokenWeight));
        Assert.Equal((32, 64), (new GcgOptions().TopK, new GcgOptions().SearchWidth));
        Assert.Equal((0.3, false), (new SequentialHybridOptions().DescentFraction, new SequentialHybridOptions().BestReadouts));
        Assert.Equal((1, 3), (new ReseedHybridOptions().DescentSteps, new ReseedHybridOptions().StallSteps));
        foreach (InterleavedHybridOptions interleaved in new InterleavedHybridOptions[] { new ChainHybridOptions(), new AnchoredHybridOptions() })
            Assert.Equal((1, 4, 0.3, 1.0), (interleaved.DescentSteps, interleaved.NearestTokens, interleaved.Descent.LearningRate, interleaved.Descent.NearestTokenWeight));
        // The sequential and reseed hybrids' descent steps at descent's own rate.
        Assert.Equal(new DescentOptions(), new SequentialHybridOptions().Descent);
        Assert.Equal(new DescentOptions(), new ReseedHybridOptions().Descent);
        Assert.IsType<AnchoredHybridOptions>(new OptimisationRequest().Search);
    }

    public static TheoryData<Type, string[]> Knobs => new()
    {
        { typeof(DescentOptions), ["LearningRate", "NearestTokenWeight"] },
        { typeof(GcgOptions), ["SearchWidth", "TopK"] },
        { typeof(SequentialHybridOptions), ["BestReadouts", "Descent", "DescentFraction", "Gcg"] },
        { typeof(ChainHybridOptions), ["Descent", "DescentSteps", "Gcg", "NearestTokens"] },
        { typeof(AnchoredHybridOptions), ["Descent", "DescentSteps", "Gcg", "NearestTokens"] },
        { typeof(ReseedHybridOptions), ["Descent", "DescentSteps", "Gcg", "StallSteps"] },
    };

    [Theory]
    [MemberData(nameof(Knobs))]
    public void Each_type_has_exactly_its_own_knobs_so_another_variants_cannot_be_set(Type type, string[] knobs)
    {
        // What the compiler enforces: `new ReseedHybridOptions { NearestTokens = 2 }` does not build. This pins the sets,
        // so a knob moved onto a variant that does not read it fails here.
        var settable = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod?.IsPublic == true)
            .Select(p => p.Name).Where(n => n != "EqualityContract").Order();
        Assert.Equal(knobs, settable);
    }

    [Fact]
    public void The_knob_table_is_read_off_the_variants_types()
    {
        Assert.Equal([HybridVariant.Chain, HybridVariant.Anchored, HybridVariant.Reseed], HybridKnobs.ReadBy(HybridKnob.DescentSteps));
        Assert.Equal([HybridVariant.Chain, HybridVariant.Anchored], HybridKnobs.ReadBy(HybridKnob.NearestTokens));
        Assert.Equal([HybridVariant.Sequential], HybridKnobs.ReadBy(HybridKnob.DescentFraction));
        Assert.Equal([HybridVariant.Sequential], HybridKnobs.ReadBy(HybridKnob.BestReadouts));
        Assert.True(HybridVariant.Reseed.Reads(HybridKnob.DescentSteps));
        Assert.False(HybridVariant.Reseed.Reads(HybridKnob.NearestTokens));
        Assert.Throws<ArgumentOutOfRangeException>(() => HybridKnobs.ReadBy((HybridKnob)42));
    }

    [Fact]
    public void Each_variant_has_its_own_options_type()
    {
        var types = Enum.GetValues<HybridVariant>().Select(v => (Variant: v, Options: HybridOptions.Of(v))).ToList();
        Assert.All(types, t => Assert.Equal(t.Variant, t.Options.Variant));
        Assert.All(types, t => Assert.Equal(OptimisationMethod.Hybrid, t.Options.Method));
        Assert.Equal(types.Count, types.Select(t => t.Options.GetType()).Distinct().Count());
        Assert.Contains("unknown hybrid variant", Assert.Throws<ArgumentException>(() => HybridOptions.Of((HybridVariant)9)).Message);
    }
}
