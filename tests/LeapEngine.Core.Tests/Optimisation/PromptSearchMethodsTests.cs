using LeapEngine.Core.Optimisation;
using LeapEngine.Core.Optimisation.Options;
using LeapEngine.Core.Optimisation.Methods;
using LeapEngine.Core.Serialization;

namespace LeapEngine.Core.Tests.Optimisation;

/// <summary>
/// Methods are plug-ins: one per request value and options type, named as the wire names it, and each one's step estimate is the
/// documented formula (docs/prompt-optimisation.md, "Counted work"), which the cost model and a job's reservation use.
/// </summary>
public class PromptSearchMethodsTests
{
    [Fact]
    public void Every_method_value_has_exactly_one_plug_in_named_as_the_wire_names_it()
    {
        Assert.Equal(Enum.GetValues<OptimisationMethod>().Order(), PromptSearchMethods.All.Select(m => m.Method).Order());
        foreach (var method in Enum.GetValues<OptimisationMethod>())
        {
            var plugIn = PromptSearchMethods.For(method);
            Assert.Equal(SnakeCase.Name(method), plugIn.Name);
            Assert.Same(plugIn, PromptSearchMethods.Find(plugIn.Name));
        }
        Assert.Equal("descent, gcg, hybrid", PromptSearchMethods.Names);
        Assert.Null(PromptSearchMethods.Find("annealing"));
        var undefined = Assert.Throws<ArgumentException>(() => PromptSearchMethods.For((OptimisationMethod)42));
        Assert.Contains("use one of: descent, gcg, hybrid", undefined.Message);
    }

    [Fact]
    public void The_options_type_selects_the_plug_in_and_each_plug_in_refuses_another_methods_options()
    {
        SearchOptions[] every = [new DescentOptions(), new GcgOptions(), .. Enum.GetValues<HybridVariant>().Select(HybridOptions.Of)];
        foreach (var options in every)
        {
            var plugIn = PromptSearchMethods.For(options);
            Assert.Equal(options.Method, plugIn.Method);
            Assert.IsAssignableFrom(plugIn.OptionsType, options);
        }
        var cost = new OptimisationCost(new OptimisationRequest(), contextTokens: 1, suffixTokens: 0, targetTokens: 1);
        var wrong = Assert.Throws<ArgumentException>(() => PromptSearchMethods.For(OptimisationMethod.Gcg).StepWork(cost, new DescentOptions()));
        Assert.Equal("the gcg search reads GcgOptions, not DescentOptions", wrong.Message);
    }

    public static TheoryData<OptimisationMethod, HybridVariant> Variants => new()
    {
        { OptimisationMethod.Descent, HybridVariant.Anchored },
        { OptimisationMethod.Gcg, HybridVariant.Anchored },
        { OptimisationMethod.Hybrid, HybridVariant.Sequential },
        { OptimisationMethod.Hybrid, HybridVariant.Chain },
        { OptimisationMethod.Hybrid, HybridVariant.Anchored },
        { OptimisationMethod.Hybrid, HybridVariant.Reseed },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Each_plug_ins_step_estimate_is_the_documented_formula_and_the_search_bound_is_built_on_it(
        OptimisationMethod method, HybridVariant variant)
    {
        // B candidates, W search width, T tokens per loss sequence (context 3 + span 5 + suffix 2 + target 4 - 1 = 13).
        const long B = 6, W = 10, T = 13, DescentStepsPerGcg = 2, Steps = 7;
        var search = Searches.Of(method, variant).WithSearchWidth((int)W) switch
        {
            InterleavedHybridOptions interleaved => interleaved with { DescentSteps = (int)DescentStepsPerGcg },
            ReseedHybridOptions reseed => reseed with { DescentSteps = (int)DescentStepsPerGcg },
            var other => other,
        };
        var request = new OptimisationRequest { Search = search, Candidates = (int)B, Length = 5, Steps = (int)Steps };
        var cost = new OptimisationCost(request, contextTokens: 3, suffixTokens: 2, targetTokens: 4);
        long descent = 3 * B * T, gcg = 3 * B * T + B * W * T;
        long interleavedGcg = gcg + DescentStepsPerGcg * 3 * B * T;   // the chain, anchored and reseed hybrids' GCG steps
        long expected = (method, variant) switch
        {
            (OptimisationMethod.Descent, _) => descent,
            (OptimisationMethod.Gcg, _) => gcg,
            (_, HybridVariant.Sequential) => Math.Max(descent, gcg),
            (_, HybridVariant.Reseed) => Math.Max(descent + B * T, interleavedGcg),   // its descent steps score their readouts
            _ => Math.Max(descent, interleavedGcg),
        };
        Assert.Equal(expected, PromptSearchMethods.For(search).StepWork(cost, search));
        long verifyStep = B * (3 + 5 + 2 + 4 + request.ExtraVerifyTokens);   // every candidate's prefill and generation
        Assert.Equal(Steps * (expected + verifyStep), cost.WorstCaseSearch);
    }
}
