using LeapEngine.Core.Store;

namespace LeapEngine.Core.Tests.Store;

internal static class StoreTestOptions
{
    /// <summary>
    /// Options confined to a temp dir. Without an endpoint the store is offline (and the endpoint
    /// is a closed loopback port), so no test can reach the real hub by accident. The embedded models
    /// beside the test binaries are left out: these tests see only the folders they fill.
    /// </summary>
    public static ModelStoreOptions For(TempDir temp, string? endpoint = null, string? modelsDir = null) => new()
    {
        ModelsDir = modelsDir ?? temp.Sub("models"),
        CacheDir = temp.Sub("cache"),
        EmbeddedDir = null,
        HubEndpoint = endpoint ?? "http://127.0.0.1:9",
        Offline = endpoint is null,
        RetryDelay = TimeSpan.FromMilliseconds(10),
        NetworkTimeout = TimeSpan.FromSeconds(5),
    };

    public static byte[] SharedModel(params string[] parts) => File.ReadAllBytes(SharedFiles.Model(parts));
}

/// <summary>Collects progress synchronously (Progress&lt;T&gt; would post to the thread pool).</summary>
internal sealed class ProgressLog : IProgress<DownloadProgress>
{
    private readonly List<DownloadProgress> _items = [];

    public IReadOnlyList<DownloadProgress> Items { get { lock (_items) return _items.ToList(); } }

    public void Report(DownloadProgress value) { lock (_items) _items.Add(value); }
}
