using System.Net;

namespace LeapEngine.Core.Store;

/// <summary>
/// Finds a model's files: an explicit path, then the local models dir, then the download
/// cache, then the hub (downloading into the cache). Everything the engine loads goes through
/// here, so "works offline" and "never loads a half-downloaded file" hold everywhere.
/// </summary>
public sealed class ModelStore : IDisposable
{
    private readonly ModelStoreOptions _options;
    private readonly Uri _endpoint;
    private readonly HttpClient _http;
    private readonly HubDownloader _hub;

    /// <param name="options">Folders, hub and download settings.</param>
    /// <param name="handler">HTTP handler to use instead of the default one (tests, proxies). The store does
    /// not dispose it. It should not follow redirects itself, or the hub's LFS checksums are not seen.</param>
    public ModelStore(ModelStoreOptions options, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ModelIds.ValidateRevision(options.Revision);
        if (!Uri.TryCreate(options.HubEndpoint, UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https"))
            throw new ArgumentException($"The hub endpoint '{options.HubEndpoint}' is not an http(s) URL.", nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxDownloadAttempts, 1, nameof(options));
        if (string.IsNullOrWhiteSpace(options.ModelsDir) || string.IsNullOrWhiteSpace(options.CacheDir))
            throw new ArgumentException("ModelsDir and CacheDir must be set.", nameof(options));

        _options = options with
        {
            ModelsDir = Path.GetFullPath(options.ModelsDir),
            CacheDir = Path.GetFullPath(options.CacheDir),
            EmbeddedDir = string.IsNullOrWhiteSpace(options.EmbeddedDir) ? null : Path.GetFullPath(options.EmbeddedDir),
        };
        _endpoint = endpoint;
        _http = handler is null
            ? new HttpClient(new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.None,
                ConnectTimeout = options.NetworkTimeout,
            }, disposeHandler: true)
            : new HttpClient(handler, disposeHandler: false);
        // Large weight files take long; the downloader's own stall timeout bounds each wait instead.
        _http.Timeout = Timeout.InfiniteTimeSpan;
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("LeapEngine/0.1");
        _hub = new HubDownloader(_http, _options, endpoint);
    }

    /// <summary>The options in use (folders made absolute).</summary>
    public ModelStoreOptions Options => _options;

    /// <summary>Synchronous <see cref="ResolveAsync"/>, for command-line tools and tests.</summary>
    public ResolvedModel Resolve(string idOrPath, IProgress<DownloadProgress>? progress = null, CancellationToken ct = default) =>
        ResolveAsync(idOrPath, progress, ct).GetAwaiter().GetResult();

    /// <summary>
    /// Resolves a model id ("stories260K", "gpt2", "owner/name", a folder name under the models dir)
    /// or a path (a model folder, or a llama2.c .bin) to files on disk, downloading when needed.
    /// </summary>
    /// <exception cref="ArgumentException">Not an existing path and not a valid id.</exception>
    /// <exception cref="ModelNotAvailableException">Missing and cannot be downloaded (offline, hub unreachable, not a hub id).</exception>
    /// <exception cref="ModelDownloadException">A download failed (HTTP error, dropped connection, checksum mismatch).</exception>
    public async Task<ResolvedModel> ResolveAsync(
        string idOrPath, IProgress<DownloadProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(idOrPath);
        if (TryResolvePath(idOrPath) is { } fromPath) return fromPath;

        var id = ModelIds.ValidateId(idOrPath);
        var builtIn = BuiltInModels.Find(id);
        if (builtIn is not null) id = builtIn.Id;

        if (FindInFolder(_options.ModelsDir, id, builtIn, ModelLocation.ModelsDir) is { } local) return local;

        // A bare name that is not built in has no hub repository to come from.
        var repo = builtIn?.Repo ?? (id.Contains('/') ? id : null);
        var cacheDir = repo is null ? null : CacheFolder(repo);
        if (cacheDir is not null && FindInCache(id, builtIn, cacheDir) is { } cached) return cached;
        // Shipped with the engine: after what an operator provisioned or downloaded, before any download.
        if (FindEmbedded(id, builtIn) is { } embedded) return embedded;
        if (repo is null || cacheDir is null) throw NotFound(id);
        if (_options.Offline) throw NotAvailable(id, builtIn, repo, null);

        try
        {
            if (builtIn is not null)
            {
                foreach (var file in builtIn.Files)
                    await FetchAsync(repo, file, cacheDir, progress, ct).ConfigureAwait(false);
            }
            else
            {
                await DownloadHuggingFaceRepoAsync(repo, cacheDir, progress, ct).ConfigureAwait(false);
            }
        }
        catch (ModelDownloadException e) when (e.HubUnreachable)
        {
            throw NotAvailable(id, builtIn, repo, e);
        }

        var downloaded = FindInCache(id, builtIn, cacheDir)
            ?? throw new ModelDownloadException(
                $"Model '{id}' was downloaded into {cacheDir} but is still incomplete: missing " +
                string.Join(", ", ModelFolders.InspectHuggingFace(cacheDir).Missing) + ".", ModelFolders.Config, null);
        return downloaded with { Location = ModelLocation.Hub };
    }

    /// <summary>
    /// Every built-in model plus every model folder in the models dir and the cache (for the
    /// configured revision): where each resolves and whether it is complete. Reads the disk only.
    /// </summary>
    public IReadOnlyList<ModelListing> List()
    {
        var listings = new List<ModelListing>();
        bool Listed(string id) => listings.Any(l => string.Equals(l.Id, id, StringComparison.OrdinalIgnoreCase));

        foreach (var builtIn in BuiltInModels.All)
        {
            var cacheDir = CacheFolder(builtIn.Repo);
            if (FindInFolder(_options.ModelsDir, builtIn.Id, builtIn, ModelLocation.ModelsDir) is { } local)
                listings.Add(new ModelListing(builtIn.Id, ModelLocation.ModelsDir, local.Directory, true, builtIn.Layout, []));
            else if (FindInCache(builtIn.Id, builtIn, cacheDir) is { } cached)
                listings.Add(new ModelListing(builtIn.Id, ModelLocation.Cache, cached.Directory, true, builtIn.Layout, []));
            else if (FindEmbedded(builtIn.Id, builtIn) is { } embedded)
                listings.Add(new ModelListing(builtIn.Id, ModelLocation.Embedded, embedded.Directory, true, builtIn.Layout, []));
            else
                listings.Add(new ModelListing(builtIn.Id, ModelLocation.Hub, cacheDir, false, builtIn.Layout,
                    builtIn.RequiredFiles.Select(f => f.Path).Where(p => !File.Exists(Under(cacheDir, p))).ToList()));
        }

        // Models dir: {name} folders, and {owner}/{name} folders inside folders that are not models.
        foreach (var dir in SubFolders(_options.ModelsDir))
        {
            var name = Path.GetFileName(dir);
            if (ListFolder(name, dir) is { } listing)
            {
                if (!Listed(listing.Id)) listings.Add(listing);
                continue;
            }
            foreach (var inner in SubFolders(dir))
            {
                if (ListFolder($"{name}/{Path.GetFileName(inner)}", inner) is { } nested && !Listed(nested.Id))
                    listings.Add(nested);
            }
        }

        // Cache: {owner}/{name}/{revision}; built-in repositories are already listed under their ids.
        var revision = ModelIds.RevisionFolder(_options.Revision);
        foreach (var ownerDir in SubFolders(_options.CacheDir))
        {
            foreach (var nameDir in SubFolders(ownerDir))
            {
                var repo = $"{Path.GetFileName(ownerDir)}/{Path.GetFileName(nameDir)}";
                var revDir = Path.Combine(nameDir, revision);
                if (!Directory.Exists(revDir) || BuiltInModels.FindByRepo(repo) is not null || Listed(repo)) continue;
                var hf = ModelFolders.InspectHuggingFace(revDir);
                listings.Add(new ModelListing(repo, hf.IsComplete ? ModelLocation.Cache : ModelLocation.Hub, revDir,
                    hf.IsComplete, ModelLayout.HuggingFace, hf.Missing));
            }
        }
        return listings;
    }

    public void Dispose() => _http.Dispose();

    private ResolvedModel? TryResolvePath(string idOrPath)
    {
        var path = ExpandHome(idOrPath);
        if (Directory.Exists(path))
        {
            var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
            var model = ModelFolders.Recognise(Path.GetFileName(full), full, ModelLocation.Path, out var hf);
            if (model is not null) return model;
            if (hf.IsHuggingFace)
                throw new ModelNotAvailableException(idOrPath,
                    $"The model folder {full} is incomplete: missing {string.Join(", ", hf.Missing)}.", hf.Missing, [full]);
            if (LooksLikePath(idOrPath))
                throw new ArgumentException(
                    $"'{idOrPath}' is the folder {full}, which holds no model: expected config.json (Hugging Face layout) or a llama2.c " +
                    "checkpoint (*.bin) with its SentencePiece tokenizer (*.model).", nameof(idOrPath));
            return null; // a folder that happens to share the id's name; resolve the id instead
        }
        if (File.Exists(path))
        {
            var full = Path.GetFullPath(path);
            if (!full.EndsWith(".bin", StringComparison.OrdinalIgnoreCase))
            {
                if (!LooksLikePath(idOrPath)) return null;
                throw new ArgumentException(
                    $"{full} is not a llama2.c checkpoint (.bin); pass a .bin file or a model folder.", nameof(idOrPath));
            }
            var dir = Path.GetDirectoryName(full)!;
            var tokenizer = ModelFolders.FindTokenizerBeside(full)
                ?? throw new ModelNotAvailableException(idOrPath,
                    $"No tokenizer lies beside the checkpoint {full}: put its SentencePiece tokenizer (*.model, e.g. tok512.model) in {dir}.",
                    ["*.model"], [dir]);
            return new ResolvedModel(Path.GetFileNameWithoutExtension(full), dir, ModelLayout.Llama2c, ModelLocation.Path, full, tokenizer);
        }
        if (LooksLikePath(idOrPath))
            throw new ArgumentException($"'{idOrPath}' looks like a path, but no such file or folder exists.", nameof(idOrPath));
        return null;
    }

    /// <summary>Inputs that can only be paths (ids never start with '.', '~' or '/', nor end in .bin).</summary>
    private static bool LooksLikePath(string s) =>
        Path.IsPathRooted(s) || s.StartsWith('.') || s.StartsWith('~') || s.Contains('\\')
        || s.EndsWith(".bin", StringComparison.OrdinalIgnoreCase);

    private static string ExpandHome(string path)
    {
        if (path != "~" && !path.StartsWith("~/", StringComparison.Ordinal)) return path;
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return path == "~" ? home : Path.Combine(home, path[2..]);
    }

    private ResolvedModel? FindEmbedded(string id, BuiltInModel? builtIn) =>
        _options.EmbeddedDir is { } embedded ? FindInFolder(embedded, id, builtIn, ModelLocation.Embedded) : null;

    /// <summary>A model in a folder laid out like the models dir (the models dir itself, or the embedded models).</summary>
    private static ResolvedModel? FindInFolder(string root, string id, BuiltInModel? builtIn, ModelLocation location)
    {
        if (!Directory.Exists(root)) return null;
        // llama2.c built-ins keep their repository paths: {ModelsDir}/stories260K/stories260K.bin.
        if (builtIn is { Layout: ModelLayout.Llama2c } && HasRequiredFiles(builtIn, root))
            return BuiltInResolved(builtIn, root, location);
        foreach (var dir in LocalFolders(root, id, builtIn))
        {
            if (Directory.Exists(dir) && ModelFolders.Recognise(id, dir, location, out _) is { } model)
                return model;
        }
        return null;
    }

    /// <summary>Folders under a models folder where a model with this id may live: {id}, {owner}/{name}, {name}.</summary>
    private static IEnumerable<string> LocalFolders(string root, string id, BuiltInModel? builtIn)
    {
        var names = new List<string> { id };
        if (builtIn is not null) names.Add(builtIn.Repo);
        names.AddRange(names.Where(n => n.Contains('/')).Select(n => n[(n.IndexOf('/') + 1)..]).ToList());
        return names.Distinct(StringComparer.Ordinal).Select(n => Under(root, n));
    }

    private static ResolvedModel? FindInCache(string id, BuiltInModel? builtIn, string cacheDir)
    {
        if (builtIn is not null)
            return HasRequiredFiles(builtIn, cacheDir) ? BuiltInResolved(builtIn, cacheDir, ModelLocation.Cache) : null;
        return ModelFolders.InspectHuggingFace(cacheDir).IsComplete
            ? new ResolvedModel(id, cacheDir, ModelLayout.HuggingFace, ModelLocation.Cache)
            : null;
    }

    private static bool HasRequiredFiles(BuiltInModel builtIn, string root) =>
        builtIn.RequiredFiles.All(f => File.Exists(Under(root, f.Path)));

    private static ResolvedModel BuiltInResolved(BuiltInModel builtIn, string root, ModelLocation location)
    {
        if (builtIn.Layout == ModelLayout.HuggingFace)
            return new ResolvedModel(builtIn.Id, root, ModelLayout.HuggingFace, location);
        var checkpoint = Under(root, builtIn.Checkpoint!);
        return new ResolvedModel(builtIn.Id, Path.GetDirectoryName(checkpoint)!, builtIn.Layout, location,
            checkpoint, Under(root, builtIn.Tokenizer!));
    }

    /// <summary>
    /// A hub repository in Hugging Face layout: config.json, the tokenizer files it has, then the
    /// weights last, so that a cache folder with its weights has had every other file attempted.
    /// </summary>
    private async Task DownloadHuggingFaceRepoAsync(string repo, string dir, IProgress<DownloadProgress>? progress, CancellationToken ct)
    {
        await FetchAsync(repo, new ModelFile(ModelFolders.Config), dir, progress, ct).ConfigureAwait(false);
        foreach (var tokenizerFile in ModelFolders.TokenizerFiles)
            await FetchAsync(repo, new ModelFile(tokenizerFile, Optional: true), dir, progress, ct).ConfigureAwait(false);

        var index = Under(dir, ModelFolders.WeightsIndex);
        var sharded = File.Exists(index) || (!File.Exists(Under(dir, ModelFolders.Weights))
            && await FetchAsync(repo, new ModelFile(ModelFolders.WeightsIndex, Optional: true), dir, progress, ct).ConfigureAwait(false));
        if (!sharded)
        {
            await FetchAsync(repo, new ModelFile(ModelFolders.Weights), dir, progress, ct).ConfigureAwait(false);
            return;
        }

        IReadOnlyList<string> shards;
        try
        {
            shards = ModelFolders.ReadShards(index);
        }
        catch (InvalidDataException e)
        {
            File.Delete(index); // fetch it again next time rather than trusting a bad copy
            throw new ModelDownloadException(e.Message, ModelFolders.WeightsIndex, _hub.FileUrl(repo, ModelFolders.WeightsIndex), inner: e);
        }
        foreach (var shard in shards)
            await FetchAsync(repo, new ModelFile(shard), dir, progress, ct).ConfigureAwait(false);
    }

    /// <summary>Downloads a file unless it is already in the cache; false when an optional file does not exist.</summary>
    private async Task<bool> FetchAsync(string repo, ModelFile file, string dir, IProgress<DownloadProgress>? progress, CancellationToken ct)
    {
        var destination = Under(dir, file.Path);
        if (File.Exists(destination)) return true; // only complete files carry the final name
        return await _hub.DownloadAsync(repo, file, destination, progress, ct).ConfigureAwait(false);
    }

    private string CacheFolder(string repo) =>
        Path.Combine(Under(_options.CacheDir, repo), ModelIds.RevisionFolder(_options.Revision));

    private static string Under(string root, string relative) =>
        Path.Combine(root, relative.Replace('/', Path.DirectorySeparatorChar));

    private static IEnumerable<string> SubFolders(string dir) =>
        Directory.Exists(dir)
            ? Directory.EnumerateDirectories(dir)
                .Where(d => !Path.GetFileName(d).StartsWith('.') && ModelIds.IsValidId(Path.GetFileName(d)))
                .OrderBy(d => d, StringComparer.Ordinal)
            : [];

    private static ModelListing? ListFolder(string id, string dir)
    {
        var model = ModelFolders.Recognise(id, dir, ModelLocation.ModelsDir, out var hf);
        if (model is not null) return new ModelListing(id, ModelLocation.ModelsDir, dir, true, model.Layout, []);
        return hf.IsHuggingFace ? new ModelListing(id, ModelLocation.ModelsDir, dir, false, ModelLayout.HuggingFace, hf.Missing) : null;
    }

    private ModelNotAvailableException NotFound(string id)
    {
        var folder = Under(_options.ModelsDir, id);
        var builtIns = string.Join(", ", BuiltInModels.All.Select(m => m.Id));
        return new ModelNotAvailableException(id,
            $"Model '{id}' was not found: it is not a built-in model ({builtIns}), no folder {folder} holds a model " +
            "(config.json with model.safetensors, or a llama2.c .bin with its .model tokenizer), and a hub model " +
            "needs an owner/name id such as openai-community/gpt2.",
            [ModelFolders.Config, ModelFolders.Weights], [folder]);
    }

    private ModelNotAvailableException NotAvailable(string id, BuiltInModel? builtIn, string repo, ModelDownloadException? cause)
    {
        IReadOnlyList<string> files;
        string place, folder;
        if (builtIn is { Layout: ModelLayout.Llama2c })
        {
            files = builtIn.RequiredFiles.Select(f => f.Path).ToList();
            folder = _options.ModelsDir;
            place = $"put {JoinAnd(files)} under {folder} (LEAP_MODELS_DIR)";
        }
        else
        {
            folder = Under(_options.ModelsDir, id);
            files = builtIn?.RequiredFiles.Select(f => f.Path).ToList() ?? [ModelFolders.Config, ModelFolders.Weights];
            var described = builtIn is not null
                ? JoinAnd(files)
                : $"{ModelFolders.Config}, {ModelFolders.Weights} (or {ModelFolders.WeightsIndex} with its shards) and its tokenizer files";
            place = $"put {described} in {folder} (LEAP_MODELS_DIR)";
        }
        var hubUrl = $"{_endpoint.AbsoluteUri.TrimEnd('/')}/{repo}";
        var message = cause is null
            ? $"Model '{id}' is not available offline: {place}, or allow downloads from {hubUrl} (unset LEAP_OFFLINE and HF_HUB_OFFLINE)."
            : $"Model '{id}' is not available: the hub at {hubUrl} could not be reached ({cause.InnerException?.Message ?? cause.Message}). " +
              $"Check the network or LEAP_HUB_ENDPOINT / HF_ENDPOINT, or {place}.";
        return new ModelNotAvailableException(id, message, files, [folder, CacheFolder(repo)], cause);
    }

    private static string JoinAnd(IReadOnlyList<string> items) =>
        items.Count <= 1 ? string.Join("", items) : $"{string.Join(", ", items.Take(items.Count - 1))} and {items[^1]}";
}
