using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LeapEngine.Api.Tests.Infrastructure;

namespace LeapEngine.Api.Tests;

/// <summary>
/// A newcomer's first hour (issue 14's "done when"): the repository's files, copied into an empty folder with no
/// ../shared beside it, no model cache and no LEAP_* variables, run the README's main command exactly as written
/// and complete docs/api.md's first generation, attribution and dictionary examples. It builds the API from
/// scratch (a minute or two), so it is marked Slow; it still runs in the normal suite.
/// </summary>
[Trait("Category", "Slow")]
public sealed class FreshCloneTests
{
    [Fact]
    public async Task The_readme_main_command_on_a_fresh_clone_serves_the_first_api_examples_with_no_setup()
    {
        var repo = RepositoryRoot();
        var command = MainCommand(File.ReadAllText(Path.Combine(repo, "README.md")));
        Assert.Matches(@"^dotnet run --project src/LeapEngine\.Api\b", command);   // no variable to set first, one line

        var root = Directory.CreateTempSubdirectory("leap-clone-");
        try
        {
            var clone = Path.Combine(root.FullName, "LeapEngine");
            CopyRepositoryFiles(repo, clone);
            Assert.False(Directory.Exists(Path.Combine(root.FullName, "shared")));
            var home = Directory.CreateDirectory(Path.Combine(root.FullName, "home")).FullName;
            int port = PostgresServer.FreePort();
            var environment = new Dictionary<string, string?>
            {
                // A user's machine with nothing of ours on it: empty home, data and cache folders.
                ["HOME"] = home,
                ["LEAP_CACHE_DIR"] = Path.Combine(root.FullName, "empty-cache"),
                // Relative, as a user may write it: it must mean the directory the command is typed in (the clone's
                // root), not the project folder dotnet run would otherwise start the program in.
                ["LEAP_DATA_DIR"] = "leap-data",
                // Packages come from this machine's NuGet folder (a first restore on a fresh machine only downloads them).
                ["NUGET_PACKAGES"] = NuGetPackagesFolder(),
                ["DOTNET_CLI_HOME"] = home,
                ["DOTNET_NOLOGO"] = "1",
                ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
                ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
                // Leave no build servers behind once the test kills the process tree.
                ["MSBUILDDISABLENODEREUSE"] = "1",
                ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0",
                ["UseSharedCompilation"] = "false",
            };
            // As written, plus a free port: 8080 may be taken where the tests run (the last --urls wins).
            using var server = ChildProcess.StartShell($"{command} --urls http://127.0.0.1:{port}", clone, environment);
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(100) };
            try
            {
                await WaitReadyAsync(server, http, TimeSpan.FromMinutes(10));
                Assert.True(File.Exists(Path.Combine(clone, "leap-data", "leap.db")), "LEAP_DATA_DIR=leap-data did not resolve against the caller's directory");
                var output = server.Output();
                var key = Regex.Match(output, @"free-tier key: (\S+)").Groups[1].Value;
                Assert.StartsWith("leap_", key);
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

                // docs/api.md section 2: the first generation.
                var generation = await RunJobAsync(http, "/v1/generations", "story-1",
                    new { model = "stories260K", prompt = "Once upon a time", max_tokens = 32 });
                Assert.StartsWith(", there was a little girl", generation["text"]!.GetValue<string>());

                // docs/viewer.md: the results viewer is served by the same command, its modules embedded in the build.
                var viewer = await http.GetAsync("/app/jobs");
                Assert.Equal(HttpStatusCode.OK, viewer.StatusCode);
                Assert.Contains("/app/js/app.js", await viewer.Content.ReadAsStringAsync());
                Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/app/js/attribution/heatmap.js")).StatusCode);

                // "From a key to an attribution heatmap".
                var attribution = await RunJobAsync(http, "/v1/attributions", "attr-1", new
                {
                    model = "stories260K", system = "You tell short stories.", text = "Once upon a time there was a little girl",
                    unit = "word", max_new_tokens = 8,
                });
                Assert.Equal("stories260K", attribution["model_id"]!.GetValue<string>());
                Assert.NotEmpty(attribution["units"]!.AsArray());

                // "Dictionaries (Exemplar Partitioning)": build, then read it back.
                var dictionary = await RunJobAsync(http, "/v1/dictionaries", null, new
                {
                    name = "stories", texts = new[] { "Tom saw a big dog.", "Lily liked to play in the park." },
                    hook = "blocks.2.hook_resid_post", metric = "cosine", percentile = 5, context_length = 64,
                });
                var dictionaryId = dictionary["dictionary_id"]!.GetValue<string>();
                Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/v1/dictionaries/{dictionaryId}")).StatusCode);

                // The operator's view of all that: readable lines, the keys set apart, no error lines.
                output = server.Output();
                Assert.DoesNotContain("\"EventId\"", output);
                Assert.Matches(@"={20,}\s+LeapEngine first start", output);
                Assert.DoesNotContain(" fail: ", output);
            }
            catch
            {
                Console.Error.WriteLine(server.Output());
                throw;
            }
        }
        finally
        {
            try { root.Delete(recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>The README's main command: the first line of its first sh block.</summary>
    internal static string MainCommand(string readme)
    {
        var block = Regex.Match(readme, @"```sh\n(.*?)```", RegexOptions.Singleline);
        Assert.True(block.Success, "README.md has no ```sh block");
        var lines = block.Groups[1].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return Assert.Single(lines);
    }

    private static async Task WaitReadyAsync(ChildProcess server, HttpClient http, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (server.HasExited) throw new InvalidOperationException("the server exited before it was ready");
            try
            {
                if ((await http.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException) { }   // still building, not listening yet
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the server was not ready in time");
            await Task.Delay(1000);
        }
    }

    /// <summary>Submits as the docs do, follows the job with ?wait= until it is final, and returns its result.</summary>
    private static async Task<JsonObject> RunJobAsync(HttpClient http, string path, string? idempotencyKey, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = ApiFixture.Json(body) };
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{path}: expected 202, got {(int)response.StatusCode}: {text}");
        var id = JsonNode.Parse(text)!["id"]!.GetValue<string>();
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (true)
        {
            var job = (await http.GetFromJsonAsync<JsonObject>($"/v1/jobs/{id}?wait=30"))!;
            var status = job["status"]!.GetValue<string>();
            if (status is "succeeded") return job["result"]!.AsObject();
            Assert.True(status is "queued" or "running", $"{path}: the job ended {status}: {job.ToJsonString()}");
            Assert.True(DateTime.UtcNow < deadline, $"{path}: the job is still {status}");
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "LeapEngine.sln"))) return dir.FullName;
        throw new InvalidOperationException("the repository root (LeapEngine.sln) was not found above the test binaries");
    }

    /// <summary>
    /// What a clone of this working tree holds: tracked files and new ones git does not ignore (so the test sees
    /// uncommitted work too), without build output, without .git.
    /// </summary>
    private static void CopyRepositoryFiles(string repo, string destination)
    {
        var start = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-C", repo, "ls-files", "-z", "--cached", "--others", "--exclude-standard" }) start.ArgumentList.Add(arg);
        using var git = Process.Start(start)!;
        var listing = git.StandardOutput.ReadToEnd();
        git.WaitForExit();
        Assert.True(git.ExitCode == 0, "git ls-files failed: " + git.StandardError.ReadToEnd());
        int copied = 0;
        foreach (var relative in listing.Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            var source = Path.Combine(repo, relative);
            if (!File.Exists(source)) continue;   // deleted in the working tree, not yet committed
            var target = Path.Combine(destination, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(source, target);
            copied++;
        }
        Assert.True(copied > 50, $"only {copied} files were copied from {repo}");
    }

    private static string NuGetPackagesFolder() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
}
