using LeapEngine.Core.Store;

namespace LeapEngine.Jobs.Models;

/// <summary>
/// Whether a served model can run here without a download, read from the disk only (no load, no network),
/// so /readyz and GET /v1/models may ask on every call.
/// </summary>
/// <param name="ModelId">The served id.</param>
/// <param name="OnDisk">Every required file is present (models folder, cache, or shipped with the engine).</param>
/// <param name="Location">Where it was found, when <paramref name="OnDisk"/>.</param>
/// <param name="Downloadable">Not on disk, but this server may download it on first use (not offline).</param>
/// <param name="Reason">Why it cannot run now, for the client (no server paths); null when <paramref name="OnDisk"/>.</param>
public sealed record ModelAvailability(string ModelId, bool OnDisk, ModelLocation? Location, bool Downloadable, string? Reason)
{
    /// <summary>It runs now, or will once downloaded.</summary>
    public bool CanLoad => OnDisk || Downloadable;
}
