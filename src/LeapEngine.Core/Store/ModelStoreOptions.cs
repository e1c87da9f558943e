using System.Text;

namespace LeapEngine.Core.Store;

/// <summary>
/// Where the store looks for models and how it downloads them. <see cref="FromEnvironment()"/>
/// reads the LEAP_* variables and honours the Hugging Face ones (HF_ENDPOINT, HF_TOKEN,
/// HF_HUB_OFFLINE) so that an environment already set up for the hub works unchanged.
/// </summary>
public sealed record ModelStoreOptions
{
    public const string DefaultHubEndpoint = "https://huggingface.co";

    /// <summary>
    /// Local models directory, searched before the cache (env LEAP_MODELS_DIR). Relative paths here and in
    /// <see cref="CacheDir"/> resolve against the process's working directory when the store is created.
    /// </summary>
    public string ModelsDir { get; init; } = DefaultModelsDir(Environment.GetEnvironmentVariable);

    /// <summary>Download cache; files live at {CacheDir}/{owner}/{name}/{revision}/{file} (env LEAP_CACHE_DIR).</summary>
    public string CacheDir { get; init; } = DefaultCacheDir(Environment.GetEnvironmentVariable);

    /// <summary>
    /// Models shipped with the engine, searched after the models dir and the cache and before the hub: the
    /// <c>models</c> folder beside the program (copied there from LeapEngine.Core's EmbeddedModels at build and
    /// publish), so the default model loads from a fresh clone, a publish folder or the Docker image whatever
    /// the working directory. Null searches no embedded folder.
    /// </summary>
    public string? EmbeddedDir { get; init; } = DefaultEmbeddedDir;

    /// <summary>The <c>models</c> folder beside the running program's assemblies.</summary>
    public static string DefaultEmbeddedDir => Path.Combine(AppContext.BaseDirectory, "models");

    /// <summary>Hub base URL (env LEAP_HUB_ENDPOINT, else HF_ENDPOINT).</summary>
    public string HubEndpoint { get; init; } = DefaultHubEndpoint;

    /// <summary>Access token sent as "Authorization: Bearer" to the hub only (env LEAP_HUB_TOKEN, else HF_TOKEN).</summary>
    public string? HubToken { get; init; }

    /// <summary>Never download; a missing model is an error naming the files to copy (env LEAP_OFFLINE=1 or HF_HUB_OFFLINE=1).</summary>
    public bool Offline { get; init; }

    /// <summary>Hub revision (branch, tag or commit) to download.</summary>
    public string Revision { get; init; } = "main";

    /// <summary>Attempts per file before a transient failure (dropped connection, 5xx) is reported.</summary>
    public int MaxDownloadAttempts { get; init; } = 3;

    /// <summary>Wait before the second attempt; doubled for each later one.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a request may wait for headers or for the next bytes of a body before it counts as dropped.</summary>
    public TimeSpan NetworkTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Options from the process environment.</summary>
    public static ModelStoreOptions FromEnvironment() => FromEnvironment(Environment.GetEnvironmentVariable);

    /// <summary>Options from an arbitrary variable lookup (tests pass a dictionary instead of mutating the process).</summary>
    public static ModelStoreOptions FromEnvironment(Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(getVariable);
        string? Get(string name) => getVariable(name) is { Length: > 0 } v ? v.Trim() : null;

        return new ModelStoreOptions
        {
            ModelsDir = DefaultModelsDir(getVariable),
            CacheDir = DefaultCacheDir(getVariable),
            HubEndpoint = (Get("LEAP_HUB_ENDPOINT") ?? Get("HF_ENDPOINT") ?? DefaultHubEndpoint).TrimEnd('/'),
            HubToken = Get("LEAP_HUB_TOKEN") ?? Get("HF_TOKEN") ?? Get("HUGGING_FACE_HUB_TOKEN"),
            Offline = IsTrue(Get("LEAP_OFFLINE")) || IsTrue(Get("HF_HUB_OFFLINE")),
        };
    }

    private static bool IsTrue(string? value) =>
        value is not null && (value == "1" || value.Equals("true", StringComparison.OrdinalIgnoreCase)
                              || value.Equals("yes", StringComparison.OrdinalIgnoreCase)
                              || value.Equals("on", StringComparison.OrdinalIgnoreCase));

    private static string DefaultModelsDir(Func<string, string?> getVariable)
    {
        if (getVariable("LEAP_MODELS_DIR") is { Length: > 0 } dir) return ExpandHome(dir, getVariable);
        var dataHome = getVariable("XDG_DATA_HOME") is { Length: > 0 } d ? d : Path.Combine(Home(getVariable), ".local", "share");
        return Path.Combine(dataHome, "leapengine", "models");
    }

    private static string DefaultCacheDir(Func<string, string?> getVariable)
    {
        if (getVariable("LEAP_CACHE_DIR") is { Length: > 0 } dir) return ExpandHome(dir, getVariable);
        var cacheHome = getVariable("XDG_CACHE_HOME") is { Length: > 0 } c ? c : Path.Combine(Home(getVariable), ".cache");
        return Path.Combine(cacheHome, "leapengine", "hub");
    }

    private static string ExpandHome(string path, Func<string, string?> getVariable) =>
        path == "~" ? Home(getVariable)
        : path.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(Home(getVariable), path[2..])
        : path;

    private static string Home(Func<string, string?> getVariable)
    {
        if (getVariable("HOME") is { Length: > 0 } home) return home;
        var profile = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return profile.Length > 0 ? profile : Path.GetTempPath();
    }

    // Records print every property; the token must never reach a log.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"ModelsDir = {ModelsDir}, CacheDir = {CacheDir}, EmbeddedDir = {EmbeddedDir}, HubEndpoint = {HubEndpoint}, ");
        builder.Append($"HubToken = {(HubToken is null ? "null" : "***")}, Offline = {Offline}, Revision = {Revision}");
        return true;
    }
}
