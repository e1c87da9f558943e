using LeapEngine.Core.Partitioning;

namespace LeapEngine.Api.Contracts;

/// <summary>A stored dictionary: metadata and intrinsic metrics (regions are paged at /v1/dictionaries/{id}/regions).</summary>
public sealed record DictionaryView(
    string Id,
    string Object,
    string? Name,
    string Model,
    string Hook,
    long CreatedAt,
    string? JobId,
    int Regions,
    LeapEngine.Jobs.Dictionaries.Results.DictionaryInfo Info,
    LeapEngine.Jobs.Dictionaries.Results.DictionaryMetrics Metrics);

/// <summary>One region as a person reads it: size, tightness and examples with the token marked.</summary>
public sealed record RegionView(int Id, string Object, long Count, double MeanDistance, double Coherence, RegionExampleSet Examples)
{
    public static RegionView From(RegionSummary r) => new(r.Id, "region", r.Count, r.MeanDistance, r.Coherence, r.Examples);
}
