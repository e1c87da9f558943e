namespace LeapEngine.Core.Store;

/// <summary>
/// A downloaded file's sha256 differs from the expected one. The file has been deleted: a
/// corrupt or substituted weight file must never be loaded.
/// </summary>
public sealed class ChecksumMismatchException : ModelDownloadException
{
    public ChecksumMismatchException(string file, Uri? url, string expectedSha256, string actualSha256)
        : base($"Checksum mismatch for {file} downloaded from {url}: expected sha256 {expectedSha256}, " +
               $"got {actualSha256}. The file was deleted.", file, url)
    {
        ExpectedSha256 = expectedSha256;
        ActualSha256 = actualSha256;
    }

    public string ExpectedSha256 { get; }
    public string ActualSha256 { get; }
}
