using System.Text;
using LeapEngine.Core.Store;

namespace LeapEngine.Core.Tests.Store;

/// <summary>Downloads against a loopback server standing in for the hub.</summary>
public class ModelStoreDownloadTests
{
    private const string StoriesBin = "karpathy/tinyllamas/resolve/main/stories260K/stories260K.bin";
    private const string StoriesTok = "karpathy/tinyllamas/resolve/main/stories260K/tok512.model";

    private static readonly byte[] Checkpoint = StoreTestOptions.SharedModel("stories260K", "stories260K.bin");
    private static readonly byte[] Tokenizer = StoreTestOptions.SharedModel("stories260K", "tok512.model");

    private static Dictionary<string, byte[]> StoriesFiles() => new() { [StoriesBin] = Checkpoint, [StoriesTok] = Tokenizer };

    private static string[] FilesUnder(string dir) =>
        Directory.Exists(dir) ? Directory.GetFiles(dir, "*", SearchOption.AllDirectories) : [];

    [Fact]
    public async Task Built_in_downloads_into_the_cache_and_is_verified()
    {
        using var temp = new TempDir();
        using var hub = LoopbackHub.Serving(StoriesFiles());
        using var store = new ModelStore(StoreTestOptions.For(temp, hub.Endpoint));
        var progress = new ProgressLog();

        var model = await store.ResolveAsync("stories260K", progress);

        Assert.Equal(ModelLocation.Hub, model.Location);
        Assert.Equal(temp.Sub("cache", "karpathy", "tinyllamas", "main", "stories260K", "stories260K.bin"), model.CheckpointPath);
        Assert.Equal(Checkpoint, File.ReadAllBytes(model.CheckpointPath!));
        Assert.Equal(Tokenizer, File.ReadAllBytes(model.TokenizerPath!));
        Assert.DoesNotContain(FilesUnder(temp.Sub("cache")), f => f.EndsWith(".partial", StringComparison.Ordinal));
        var last = progress.Items.Last(p => p.File == "stories260K/stories260K.bin");
        Assert.Equal(Checkpoint.Length, last.BytesDone);
        Assert.Equal(Checkpoint.Length, last.BytesTotal);

        // The second time it comes from the cache, without a request.
        var requests = hub.Requests.Count;
        var again = await store.ResolveAsync("stories260K");
        Assert.Equal(ModelLocation.Cache, again.Location);
        Assert.Equal(requests, hub.Requests.Count);
        Assert.Equal(ModelLocation.Cache, Assert.Single(store.List(), l => l.Id == "stories260K").Location);
    }

    [Fact]
    public async Task Wrong_checksum_is_an_error_and_leaves_no_file()
    {
        using var temp = new TempDir();
        var corrupt = (byte[])Checkpoint.Clone();
        corrupt[1000] ^= 0xFF;
        using var hub = LoopbackHub.Serving(new Dictionary<string, byte[]> { [StoriesBin] = corrupt, [StoriesTok] = Tokenizer });
        using var store = new ModelStore(StoreTestOptions.For(temp, hub.Endpoint));

        var e = await Assert.ThrowsAsync<ChecksumMismatchException>(() => store.ResolveAsync("stories260K"));

        Assert.Contains("stories260K/stories260K.bin", e.Message);
        Assert.Contains(BuiltInModels.Stories260K.Files[0].Sha256!, e.Message);
        Assert.Contains(LoopbackHub.Sha256(corrupt), e.Message);
        Assert.DoesNotContain(FilesUnder(temp.Sub("cache")), f => f.Contains("stories260K.bin", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Linked_etag_mismatch_on_a_hub_repo_is_an_error()
    {
        using var temp = new TempDir();
        const string repo = "acme/tiny/resolve/main/";
        var weights = new byte[5000];
        new Random(1).NextBytes(weights);
        using var hub = new LoopbackHub(request => request.Path.TrimStart('/') switch
        {
            repo + "config.json" => HubReply.File(request, "{}"u8.ToArray()),
            repo + "model.safetensors" => HubReply.File(request, weights, linkedEtag: new string('a', 64)),
            _ => HubReply.NotFound(),
        });
        using var store = new ModelStore(StoreTestOptions.For(temp, hub.Endpoint));

        var e = await Assert.ThrowsAsync<ChecksumMismatchException>(() => store.ResolveAsync("acme/tiny"));

        Assert.Equal(new string('a', 64), e.ExpectedSha256);
        Assert.Equal(LoopbackHub.Sha256(weights), e.ActualSha256);
        Assert.False(File.Exists(temp.Sub("cache", "acme", "tiny", "main", "model.safetensors")));
        Assert.False(File.Exists(temp.Sub("cache", "acme", "tiny", "main", "model.safetensors.partial")));
    }

    [Fact]
    public async Task Dropped_connection_leaves_no_complete_file_and_a_later_retry_succeeds()
    {
        using var temp = new TempDir();
        var finalPath = temp.Sub("cache", "karpathy", "tinyllamas", "main", "stories260K", "stories260K.bin");

        using (var flaky = new LoopbackHub(request => request.Path.TrimStart('/') == StoriesBin
                   ? HubReply.File(request, Checkpoint, ranges: false, dropAfter: 100_000)
                   : HubReply.File(request, Tokenizer)))
        using (var store = new ModelStore(StoreTestOptions.For(temp, flaky.Endpoint)))
        {
            var e = await Assert.ThrowsAsync<ModelDownloadException>(() => store.ResolveAsync("stories260K"));
            Assert.Contains("stories260K/stories260K.bin", e.Message);
            Assert.Contains("3 attempt", e.Message);
            Assert.False(File.Exists(finalPath));
            Assert.Equal(3, flaky.Requests.Count(r => r.Path.EndsWith("stories260K.bin", StringComparison.Ordinal)));
            Assert.False(Assert.Single(store.List(), l => l.Id == "stories260K").IsComplete);
        }

        // The next run against a healthy hub continues the kept bytes and verifies the whole file.
        using var healthy = LoopbackHub.Serving(StoriesFiles());
        using var retry = new ModelStore(StoreTestOptions.For(temp, healthy.Endpoint));
        var model = await retry.ResolveAsync("stories260K");

        Assert.Equal(finalPath, model.CheckpointPath);
        Assert.Equal(Checkpoint, File.ReadAllBytes(finalPath));
        Assert.False(File.Exists(finalPath + ".partial"));
        Assert.Contains(healthy.Requests, r => r.RangeFrom > 0);
    }

    [Fact]
    public async Task A_drop_is_retried_and_resumed_within_one_call()
    {
        using var temp = new TempDir();
        var calls = 0;
        using var hub = new LoopbackHub(request =>
        {
            var path = request.Path.TrimStart('/');
            if (path == StoriesBin)
                return HubReply.File(request, Checkpoint, dropAfter: Interlocked.Increment(ref calls) == 1 ? 300_000 : null);
            return path == StoriesTok ? HubReply.File(request, Tokenizer) : HubReply.NotFound();
        });
        using var store = new ModelStore(StoreTestOptions.For(temp, hub.Endpoint));

        var model = await store.ResolveAsync("stories260K");

        Assert.Equal(Checkpoint, File.ReadAllBytes(model.CheckpointPath!));
        var binRequests = hub.Requests.Where(r => r.Path.EndsWith("stories260K.bin", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, binRequests.Count);
        Assert.Null(binRequests[0].RangeFrom);
        Assert.True(binRequests[1].RangeFrom > 0);
    }

    [Fact]
    public async Task Hub_repo_downloads_with_optional_tokenizer_files_missing()
    {
        using var temp = new TempDir();
        const string prefix = "acme/tiny/resolve/main/";
        var weights = StoreTestOptions.SharedModel("stories260K-hf", "model.safetensors");
        using var hub = LoopbackHub.Serving(new Dictionary<string, byte[]>
        {
            [prefix + "config.json"] = StoreTestOptions.SharedModel("stories260K-hf", "config.json"),
            [prefix + "model.safetensors"] = weights,
            [prefix + "tokenizer.model"] = StoreTestOptions.SharedModel("stories260K-hf", "tokenizer.model"),
        }, sendEtags: true);
        using var store = new ModelStore(StoreTestOptions.For(temp, hub.Endpoint));

        var model = await store.ResolveAsync("acme/tiny");

        var dir = temp.Sub("cache", "acme", "tiny", "main");
        Assert.Equal(dir, model.Directory);
        Assert.Equal(ModelLayout.HuggingFace, model.Layout);
        Assert.Equal(weights, File.ReadAllBytes(Path.Combine(dir, "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(dir, "tokenizer.model")));
        Assert.False(File.Exists(Path.Combine(dir, "tokenizer.json")));
        Assert.Contains(hub.Requests, r => r.Path.EndsWith("/tokenizer.json", StringComparison.Ordinal));
        Assert.Equal(ModelLocation.Cache, (await store.ResolveAsync("acme/tiny")).Location);
        Assert.True(Assert.Single(store.List(), l => l.Id == "acme/tiny").IsComplete);
    }

    [Fact]
    public async Task Sharded_repo_downloads_every_shard_in_the_index()
    {
        using var temp = new TempDir();
        const string prefix = "acme/big/resolve/main/";
        var index = """
            {"metadata": {"total_size": 6},
             "weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors",
                            "c": "model-00001-of-00002.safetensors"}}
            """;
        using var hub = LoopbackHub.Serving(new Dictionary<string, byte[]>
        {
            [prefix + "config.json"] = "{}"u8.ToArray(),
            [prefix + "model.safetensors.index.json"] = Encoding.UTF8.GetBytes(index),
            [prefix + "model-00001-of-00002.safetensors"] = [1, 2, 3],
            [prefix + "model-00002-of-00002.safetensors"] = [4, 5, 6],
            [prefix + "tokenizer.json"] = "{}"u8.ToArray(),
        });
        using var store = new ModelStore(StoreTestOptions.For(temp, hub.Endpoint));

        var model = await store.ResolveAsync("acme/big");

        Assert.True(File.Exists(Path.Combine(model.Directory, "model-00001-of-00002.safetensors")));
        Assert.True(File.Exists(Path.Combine(model.Directory, "model-00002-of-00002.safetensors")));
        Assert.DoesNotContain(hub.Requests, r => r.Path.EndsWith("/model.safetensors", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Missing_config_is_a_clear_error()
    {
        using var temp = new TempDir();
        using var hub = LoopbackHub.Serving(new Dictionary<string, byte[]>());
        using var store = new ModelStore(StoreTestOptions.For(temp, hub.Endpoint));

        var e = await Assert.ThrowsAsync<ModelDownloadException>(() => store.ResolveAsync("acme/nothing"));

        Assert.Equal(System.Net.HttpStatusCode.NotFound, e.StatusCode);
        Assert.Equal("config.json", e.File);
        Assert.Contains("config.json", e.Message);
        Assert.Contains("404", e.Message);
        Assert.Single(hub.Requests); // a 404 is an answer, not a reason to retry
    }

    [Fact]
    public async Task Token_is_sent_as_bearer_to_the_hub()
    {
        using var temp = new TempDir();
        using var hub = LoopbackHub.Serving(StoriesFiles());
        using var store = new ModelStore(StoreTestOptions.For(temp, hub.Endpoint) with { HubToken = "hf_test_token" });

        await store.ResolveAsync("stories260K");

        Assert.NotEmpty(hub.Requests);
        Assert.All(hub.Requests, r => Assert.Equal("Bearer hf_test_token", r.Header("authorization")));
    }

    [Fact]
    public async Task Redirects_are_followed_and_the_linked_etag_on_the_redirect_is_checked()
    {
        using var temp = new TempDir();
        var weights = new byte[3000];
        new Random(2).NextBytes(weights);
        var wrongSha = false;
        using var hub = new LoopbackHub(request => request.Path switch
        {
            "/acme/lfs/resolve/main/config.json" => HubReply.File(request, "{}"u8.ToArray()),
            "/acme/lfs/resolve/main/model.safetensors" => new HubReply(302, [], new Dictionary<string, string>
            {
                ["Location"] = "/cdn/blob",
                ["X-Linked-Etag"] = $"\"{(wrongSha ? new string('0', 64) : LoopbackHub.Sha256(weights))}\"",
                ["X-Linked-Size"] = weights.Length.ToString(),
            }),
            "/cdn/blob" => HubReply.File(request, weights),
            _ => HubReply.NotFound(),
        });
        using var store = new ModelStore(StoreTestOptions.For(temp, hub.Endpoint));

        var model = await store.ResolveAsync("acme/lfs");
        Assert.Equal(weights, File.ReadAllBytes(Path.Combine(model.Directory, "model.safetensors")));

        wrongSha = true;
        using var temp2 = new TempDir();
        using var store2 = new ModelStore(StoreTestOptions.For(temp2, hub.Endpoint));
        await Assert.ThrowsAsync<ChecksumMismatchException>(() => store2.ResolveAsync("acme/lfs"));
    }

    [Fact]
    public async Task Unreachable_hub_reports_the_model_as_not_available()
    {
        using var temp = new TempDir();
        // A port that was just free: connecting to it is refused.
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
        }
        using var store = new ModelStore(StoreTestOptions.For(temp, $"http://127.0.0.1:{port}"));

        var e = await Assert.ThrowsAsync<ModelNotAvailableException>(() => store.ResolveAsync("stories260K"));

        Assert.Contains("could not be reached", e.Message);
        Assert.Contains("stories260K/stories260K.bin", e.Message);
        Assert.Contains(temp.Sub("models"), e.Message);
    }

    [Fact]
    public async Task Offline_never_contacts_the_hub()
    {
        using var temp = new TempDir();
        using var hub = LoopbackHub.Serving(StoriesFiles());
        using var store = new ModelStore(StoreTestOptions.For(temp, hub.Endpoint) with { Offline = true });

        await Assert.ThrowsAsync<ModelNotAvailableException>(() => store.ResolveAsync("stories260K"));
        Assert.Empty(hub.Requests);
    }

    [Fact]
    public async Task A_stale_partial_without_a_known_hash_is_discarded_not_joined()
    {
        using var temp = new TempDir();
        var config = Encoding.UTF8.GetBytes("{\"model_type\": \"llama\", \"hidden_size\": 64}");
        // Bytes left by some earlier, different download: joining them would corrupt config.json.
        temp.Write("cache/acme/stale/main/config.json.partial", Encoding.UTF8.GetBytes("{\"garbage\""));
        using var hub = LoopbackHub.Serving(new Dictionary<string, byte[]>
        {
            ["acme/stale/resolve/main/config.json"] = config,
            ["acme/stale/resolve/main/model.safetensors"] = [7, 7, 7],
        });
        using var store = new ModelStore(StoreTestOptions.For(temp, hub.Endpoint));

        var model = await store.ResolveAsync("acme/stale");

        Assert.Equal(config, File.ReadAllBytes(Path.Combine(model.Directory, "config.json")));
        Assert.False(File.Exists(Path.Combine(model.Directory, "config.json.partial")));
    }

    [Fact]
    public async Task Server_errors_are_retried()
    {
        using var temp = new TempDir();
        var failures = 0;
        using var hub = new LoopbackHub(request => request.Path.TrimStart('/') switch
        {
            StoriesBin when Interlocked.Increment(ref failures) <= 2 => new HubReply(503, [], null),
            StoriesBin => HubReply.File(request, Checkpoint),
            StoriesTok => HubReply.File(request, Tokenizer),
            _ => HubReply.NotFound(),
        });
        using var store = new ModelStore(StoreTestOptions.For(temp, hub.Endpoint));

        var model = await store.ResolveAsync("stories260K");

        Assert.Equal(Checkpoint, File.ReadAllBytes(model.CheckpointPath!));
        Assert.Equal(3, hub.Requests.Count(r => r.Path.EndsWith("stories260K.bin", StringComparison.Ordinal)));
    }
}
