namespace LeapEngine.Core.Store;

/// <summary>One row of <see cref="ModelStore.List"/>: a model the store knows about and whether it can run now.</summary>
/// <param name="Id">The id to pass to <see cref="ModelStore.ResolveAsync"/>.</param>
/// <param name="Location">Where it resolves: models dir, cache, or the hub (not on disk yet).</param>
/// <param name="Path">The folder it resolves to (for the hub: the cache folder a download would fill).</param>
/// <param name="IsComplete">Whether every required file is present, i.e. it resolves without a download.</param>
/// <param name="Layout">How its files are arranged.</param>
/// <param name="MissingFiles">Required files not yet present, relative to <paramref name="Path"/>.</param>
public sealed record ModelListing(
    string Id,
    ModelLocation Location,
    string Path,
    bool IsComplete,
    ModelLayout Layout,
    IReadOnlyList<string> MissingFiles);
