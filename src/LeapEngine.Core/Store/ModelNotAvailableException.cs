namespace LeapEngine.Core.Store;

/// <summary>
/// A model is neither on disk nor downloadable (offline, hub unreachable, or not a hub id).
/// The message says which files to put where, because the usual fix is to copy them by hand.
/// </summary>
public sealed class ModelNotAvailableException : Exception
{
    public ModelNotAvailableException(
        string modelId, string message, IReadOnlyList<string> missingFiles, IReadOnlyList<string> folders,
        Exception? inner = null)
        : base(message, inner)
    {
        ModelId = modelId;
        MissingFiles = missingFiles;
        Folders = folders;
    }

    /// <summary>The id (or path) the caller asked for.</summary>
    public string ModelId { get; }

    /// <summary>Files that are missing, relative to the folder they belong in.</summary>
    public IReadOnlyList<string> MissingFiles { get; }

    /// <summary>Folders where the files would be found.</summary>
    public IReadOnlyList<string> Folders { get; }
}
