using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace LeapEngine.Core.Store;

/// <summary>
/// Downloads single files from a Hugging Face style hub
/// ({endpoint}/{repo}/resolve/{revision}/{file}) with the guarantees the store relies on:
/// a file appears under its final name only when it is complete and, where a sha256 is
/// known, verified; everything in flight lives in "{file}.partial".
/// </summary>
internal sealed class HubDownloader
{
    private const int MaxRedirects = 10;
    private const long ProgressStep = 1 << 20;

    private readonly HttpClient _http;
    private readonly ModelStoreOptions _options;
    private readonly Uri _endpoint;

    public HubDownloader(HttpClient http, ModelStoreOptions options, Uri endpoint)
    {
        _http = http;
        _options = options;
        _endpoint = endpoint;
    }

    public Uri FileUrl(string repo, string file)
    {
        var escapedFile = string.Join('/', file.Split('/').Select(Uri.EscapeDataString));
        return new Uri($"{_endpoint.AbsoluteUri.TrimEnd('/')}/{repo}/resolve/{Uri.EscapeDataString(_options.Revision)}/{escapedFile}");
    }

    /// <summary>
    /// Downloads one file to <paramref name="destination"/>. Returns false when the file is
    /// optional and the hub has no such file (404); throws <see cref="ModelDownloadException"/> otherwise.
    /// </summary>
    public async Task<bool> DownloadAsync(
        string repo, ModelFile file, string destination, IProgress<DownloadProgress>? progress, CancellationToken ct)
    {
        var url = FileUrl(repo, file.Path);
        var partial = destination + ".partial";
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);

        var attempt = 1;
        var restarts = 0;
        while (true)
        {
            try
            {
                return await DownloadOnceAsync(url, file, destination, partial, progress, ct).ConfigureAwait(false);
            }
            catch (RestartException) when (restarts < 3)
            {
                // The kept partial could not be continued safely and was deleted; start over
                // without counting it as a failed attempt.
                restarts++;
            }
            catch (Exception e) when (IsTransient(e, ct))
            {
                if (attempt >= _options.MaxDownloadAttempts)
                    throw Failed(file.Path, url, attempt, e);
                var delay = _options.RetryDelay * Math.Pow(2, attempt - 1);
                await Task.Delay(delay, ct).ConfigureAwait(false);
                attempt++;
            }
        }
    }

    private async Task<bool> DownloadOnceAsync(
        Uri url, ModelFile file, string destination, string partial, IProgress<DownloadProgress>? progress, CancellationToken ct)
    {
        // Bytes kept from an interrupted attempt are continued with a Range request.
        var kept = File.Exists(partial) ? new FileInfo(partial).Length : 0;

        // One token bounds both the wait for headers and every wait for body bytes (re-armed
        // per read), so a stalled connection fails instead of hanging, while a slow but
        // moving download of a large file is never cut off.
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(ct);
        stall.CancelAfter(_options.NetworkTimeout);
        var (response, etagSha, linkedSize) = await SendAsync(url, kept, stall.Token).ConfigureAwait(false);
        using (response)
        {
            var status = response.StatusCode;
            if (status == HttpStatusCode.NotFound && file.Optional) return false;
            if (kept > 0 && status == HttpStatusCode.RequestedRangeNotSatisfiable) throw Restart(partial);
            if (!response.IsSuccessStatusCode) throw HttpError(file.Path, url, status);

            var expected = file.Sha256 ?? etagSha;
            if (kept > 0)
            {
                if (status == HttpStatusCode.PartialContent)
                {
                    // Joining old and new bytes is only safe when the result can be verified.
                    if (response.Content.Headers.ContentRange?.From != kept || expected is null) throw Restart(partial);
                }
                else
                {
                    kept = 0; // the server ignored the range and sends the whole file
                }
            }
            else if (status != HttpStatusCode.OK)
            {
                throw new ModelDownloadException(
                    $"Downloading {file.Path} from {url} failed: unexpected HTTP {(int)status} {status}.", file.Path, url, status);
            }

            var bodyLength = response.Content.Headers.ContentLength;
            long? total = bodyLength is long len ? kept + len : linkedSize;
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
            try
            {
                await using (var output = new FileStream(partial, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1 << 16, useAsync: true))
                {
                    if (kept > 0)
                    {
                        // Re-hash the kept bytes so the verified hash covers the whole file.
                        long left = kept;
                        while (left > 0)
                        {
                            var n = await output.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), ct).ConfigureAwait(false);
                            if (n == 0) throw Restart(partial);
                            sha.AppendData(buffer, 0, n);
                            left -= n;
                        }
                    }
                    output.SetLength(kept);
                    output.Position = kept;

                    progress?.Report(new DownloadProgress(file.Path, kept, total));
                    var body = await response.Content.ReadAsStreamAsync(stall.Token).ConfigureAwait(false);
                    await using (body.ConfigureAwait(false))
                    {
                        long received = 0, lastReported = 0;
                        while (true)
                        {
                            stall.CancelAfter(_options.NetworkTimeout);
                            var n = await body.ReadAsync(buffer, stall.Token).ConfigureAwait(false);
                            if (n == 0) break;
                            await output.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                            sha.AppendData(buffer, 0, n);
                            received += n;
                            if (received - lastReported >= ProgressStep)
                            {
                                lastReported = received;
                                progress?.Report(new DownloadProgress(file.Path, kept + received, total));
                            }
                        }
                        // A server that closes the connection early may not raise an error; the
                        // byte count is what tells a truncated file from a complete one.
                        if (bodyLength is long expectedBytes && received != expectedBytes)
                            throw new IOException($"the connection closed after {received} of {expectedBytes} bytes");
                        progress?.Report(new DownloadProgress(file.Path, kept + received, total));
                    }
                    await output.FlushAsync(ct).ConfigureAwait(false);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            var actual = Convert.ToHexStringLower(sha.GetHashAndReset());
            if (expected is not null && !string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
            {
                File.Delete(partial);
                // A bad join of stale kept bytes is retried from scratch; a bad whole file is the hub's answer.
                if (kept > 0) throw new RestartException();
                throw new ChecksumMismatchException(file.Path, url, expected.ToLowerInvariant(), actual);
            }
            // Same-folder rename is atomic: readers see no file or the complete one.
            File.Move(partial, destination, overwrite: true);
            return true;
        }
    }

    /// <summary>
    /// GET with redirects followed by hand: the hub answers LFS files with a redirect to a CDN,
    /// and the sha256 (X-Linked-Etag) is on the redirect, not on the CDN's answer; also the
    /// token must go to the hub only, never to the CDN.
    /// </summary>
    private async Task<(HttpResponseMessage Response, string? EtagSha, long? LinkedSize)> SendAsync(
        Uri url, long rangeFrom, CancellationToken ct)
    {
        string? linkedSha = null;
        long? linkedSize = null;
        var current = url;
        for (var hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, current);
            if (_options.HubToken is { } token && IsHub(current))
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            if (rangeFrom > 0) request.Headers.Range = new RangeHeaderValue(rangeFrom, null);

            var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            linkedSha ??= Sha256FromEtag(Header(response, "X-Linked-Etag"));
            linkedSize ??= long.TryParse(Header(response, "X-Linked-Size"), out var size) ? size : null;

            var code = (int)response.StatusCode;
            if (code is 301 or 302 or 303 or 307 or 308 && response.Headers.Location is { } location)
            {
                response.Dispose();
                if (hop >= MaxRedirects)
                    throw new ModelDownloadException($"Downloading {url} failed: more than {MaxRedirects} redirects.", url.AbsolutePath, url);
                current = location.IsAbsoluteUri ? location : new Uri(current, location);
                continue;
            }
            return (response, linkedSha ?? Sha256FromEtag(Header(response, "ETag")), linkedSize);
        }
    }

    private bool IsHub(Uri url) =>
        Uri.Compare(url, _endpoint, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0;

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    /// <summary>The hub sends an LFS file's sha256 as its (linked) ETag; other ETags (git sha1, md5) are not hashes we can check.</summary>
    internal static string? Sha256FromEtag(string? etag)
    {
        if (etag is null) return null;
        var value = etag.Trim();
        if (value.StartsWith("W/", StringComparison.Ordinal)) value = value[2..];
        value = value.Trim('"');
        return value.Length == 64 && value.All(char.IsAsciiHexDigit) ? value.ToLowerInvariant() : null;
    }

    private static bool IsTransient(Exception e, CancellationToken ct) => e switch
    {
        OperationCanceledException => !ct.IsCancellationRequested, // our stall timeout, not the caller
        // HTTP errors: the server may recover from 5xx, 408 and 429; any other status is its answer.
        ModelDownloadException d => d.StatusCode is >= HttpStatusCode.InternalServerError
            or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests,
        RestartException => true, // only after repeated restarts; count it as a failed attempt
        HttpRequestException => true,
        IOException => true,
        _ => false,
    };

    private static ModelDownloadException Failed(string file, Uri url, int attempts, Exception e)
    {
        if (e is ModelDownloadException answered) return answered;
        var reason = e is OperationCanceledException ? "no data arrived in time" : e.Message;
        var unreachable = e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError };
        var message = unreachable
            ? $"The hub could not be reached for {file} ({url}) after {attempts} attempt(s): {reason}"
            : $"Downloading {file} from {url} failed after {attempts} attempt(s): {reason}. " +
              "No complete file was written; the bytes received are kept in a .partial file and the next attempt continues them.";
        return new ModelDownloadException(message, file, url, inner: e) { HubUnreachable = unreachable };
    }

    private ModelDownloadException HttpError(string file, Uri url, HttpStatusCode status)
    {
        var code = $"HTTP {(int)status} {status}";
        var message = status switch
        {
            HttpStatusCode.NotFound =>
                $"The hub has no file {file} in this repository at revision '{_options.Revision}' ({url} answered {code}); check the model id and revision.",
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden when _options.HubToken is null =>
                $"The hub refused {file} ({url} answered {code}): the repository may be gated, private or missing; " +
                "set HF_TOKEN (or LEAP_HUB_TOKEN) to an access token that can read it.",
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden =>
                $"The hub refused {file} ({url} answered {code}): the token in HF_TOKEN / LEAP_HUB_TOKEN has no access to this repository, or it does not exist.",
            _ => $"Downloading {file} from {url} failed: {code}.",
        };
        return new ModelDownloadException(message, file, url, status);
    }

    private static RestartException Restart(string partial)
    {
        File.Delete(partial);
        return new RestartException();
    }

    /// <summary>The kept partial file was discarded; the download starts over.</summary>
    private sealed class RestartException : Exception;
}
