using LeapEngine.Core.Optimisation;
using LeapEngine.Core.Optimisation.Options;

namespace LeapEngine.Core.Tests.Optimisation;

/// <summary>Search options for theories that run every method or variant: the defaults of each, with GCG's search width set where it has one.</summary>
internal static class Searches
{
    public static SearchOptions Of(OptimisationMethod method, HybridVariant variant = HybridVariant.Anchored) => method switch
    {
        OptimisationMethod.Descent => new DescentOptions(),
        OptimisationMethod.Gcg => new GcgOptions(),
        _ => HybridOptions.Of(variant),
    };

    /// <summary>The same search with GCG scoring <paramref name="width"/> trials per prompt per step (descent has no GCG: unchanged).</summary>
    public static SearchOptions WithSearchWidth(this SearchOptions search, int width) => search switch
    {
        GcgOptions gcg => gcg with { SearchWidth = width },
        HybridOptions hybrid => hybrid with { Gcg = hybrid.Gcg with { SearchWidth = width } },
        _ => search,
    };
}
