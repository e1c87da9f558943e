using LeapEngine.Core.Optimisation;
using LeapEngine.Core.Optimisation.Methods;
using LeapEngine.Core.Serialization;
using LeapEngine.Jobs.Handlers;

namespace LeapEngine.Jobs.Optimisation.Search;

/// <summary>
/// The flat search fields that v1 took before <c>search</c> (<c>method</c>, <c>search_width</c>, <c>hybrid_*</c>):
/// still accepted, with their old meaning, and mapped to the <see cref="PromptSearchOptions"/> they describe. As
/// before, a knob the chosen method or variant does not read is ignored (the new shape refuses it instead).
/// </summary>
public static class LegacySearchFields
{
    /// <summary>The deprecation note the OpenAPI document and the docs carry.</summary>
    public const string Note = "Deprecated: give the search options in search ({\"type\": ...}); the flat field is still read in v1.";

    public sealed record Reading(IReadOnlyList<string> Given, PromptSearchOptions? Search);

#pragma warning disable CS0618 // this is the one place that reads the deprecated fields
    /// <summary>The wire names of the flat fields <paramref name="r"/> sets, and the search they describe (null when none is set).</summary>
    public static Reading Read(PromptOptimisationJobRequest r)
    {
        var given = new List<string>();
        if (r.Method is not null) given.Add("method");
        if (r.SearchWidth is not null) given.Add("search_width");
        if (r.HybridVariant is not null) given.Add("hybrid_variant");
        if (r.HybridDescentSteps is not null) given.Add("hybrid_descent_steps");
        if (r.HybridNearestTokens is not null) given.Add("hybrid_nearest_tokens");
        if (r.HybridDescentFraction is not null) given.Add("hybrid_descent_fraction");
        if (r.HybridBestReadouts is not null) given.Add("hybrid_best_readouts");
        if (given.Count == 0) return new(given, null);

        var method = r.Method is null ? OptimisationMethod.Hybrid
            : (PromptSearchMethods.Find(r.Method) ?? throw new JobRequestException("method", $"unknown method '{r.Method}'; use one of: {PromptSearchMethods.Names}")).Method;
        PromptSearchOptions search = method switch
        {
            OptimisationMethod.Descent => new DescentSearchOptions(),
            OptimisationMethod.Gcg => new GcgSearchOptions { SearchWidth = r.SearchWidth },
            _ => Hybrid(r),
        };
        return new(given, search);
    }

    private static HybridSearchOptions Hybrid(PromptOptimisationJobRequest r)
    {
        var variant = r.HybridVariant is null ? HybridSearchOptions.DefaultVariant
            : PromptOptimisationJobRequest.Parse<HybridVariant>("hybrid_variant", r.HybridVariant);
        T? IfRead<T>(HybridKnob knob, T? value) where T : struct => variant.Reads(knob) ? value : null;
        return new HybridSearchOptions
        {
            Variant = SnakeCase.Name(variant),
            SearchWidth = r.SearchWidth,
            DescentSteps = IfRead(HybridKnob.DescentSteps, r.HybridDescentSteps),
            NearestTokens = IfRead(HybridKnob.NearestTokens, r.HybridNearestTokens),
            DescentFraction = IfRead(HybridKnob.DescentFraction, r.HybridDescentFraction),
            BestReadouts = IfRead(HybridKnob.BestReadouts, r.HybridBestReadouts),
        };
    }
#pragma warning restore CS0618
}
