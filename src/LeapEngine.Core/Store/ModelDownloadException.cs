using System.Net;

namespace LeapEngine.Core.Store;

/// <summary>
/// A download from the hub failed (HTTP error, dropped connection after the retries, bad file).
/// An IOException so callers that already handle I/O failures handle this one too.
/// </summary>
public class ModelDownloadException : IOException
{
    public ModelDownloadException(string message, string file, Uri? url, HttpStatusCode? statusCode = null, Exception? inner = null)
        : base(message, inner)
    {
        File = file;
        Url = url;
        StatusCode = statusCode;
    }

    /// <summary>The file's path inside its hub repository.</summary>
    public string File { get; }

    /// <summary>The URL that was requested.</summary>
    public Uri? Url { get; }

    /// <summary>The HTTP status, when the failure was an HTTP error.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>No connection to the hub could be made (the store reports the model as not available).</summary>
    internal bool HubUnreachable { get; init; }
}
