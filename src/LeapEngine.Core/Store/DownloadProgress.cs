namespace LeapEngine.Core.Store;

/// <summary>Progress of one file download.</summary>
/// <param name="File">The file's path inside its hub repository, e.g. "stories260K/stories260K.bin".</param>
/// <param name="BytesDone">Bytes on disk so far (including bytes kept from an earlier, resumed attempt).</param>
/// <param name="BytesTotal">The file's size, when the server told us.</param>
public sealed record DownloadProgress(string File, long BytesDone, long? BytesTotal);
