namespace LeapEngine.Core.Store;

/// <summary>Where a model's files were (or would be) found; shown to users so they know what runs offline.</summary>
public enum ModelLocation
{
    /// <summary>An explicit folder or file path given by the caller.</summary>
    Path,

    /// <summary>The local models directory (<see cref="ModelStoreOptions.ModelsDir"/>).</summary>
    ModelsDir,

    /// <summary>The download cache (<see cref="ModelStoreOptions.CacheDir"/>), from an earlier download.</summary>
    Cache,

    /// <summary>Shipped with the engine (<see cref="ModelStoreOptions.EmbeddedDir"/>): found with no setup and no download.</summary>
    Embedded,

    /// <summary>
    /// The hub: when resolving, the files were just downloaded into the cache; when listing,
    /// the model is not on disk yet and would be downloaded.
    /// </summary>
    Hub,
}
