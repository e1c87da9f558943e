using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LeapEngine.Api.Tests.Docs;
using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Core.Tests;

namespace LeapEngine.Api.Tests;

/// <summary>
/// docs/api.md's shell examples run as written: a standalone server (the zero-setup mode the page starts with) is
/// started, and every fenced sh block not marked skipped runs, in order, in one bash with the page's variables (LEAP,
/// KEY = the free-tier key it printed, OPERATOR). Each must succeed: bash stops at the first failing command, an unset
/// variable is an error, and an HTTP error answer fails its curl (the docs' own `curl -s` would hide it). Afterwards
/// every job the examples created has succeeded, except the one the cancel example cancels.
/// </summary>
public sealed class DocsExamplesTests
{
    [Trait("Category", "Slow")]
    [Fact]
    public async Task Every_shell_example_of_docs_api_md_runs_against_a_standalone_server()
    {
        foreach (var tool in new[] { "bash", "curl", "jq" })
            Assert.True(OnPath(tool), $"the docs' examples need {tool} on PATH");
        var blocks = ApiDoc.ShellBlocks();
        var run = blocks.Where(b => b.SkipReason is null).ToList();
        Assert.True(run.Count >= 10, $"expected docs/api.md's examples, found {run.Count} runnable sh blocks");

        var dataDir = Directory.CreateTempSubdirectory("leap-docs-data-").FullName;
        var workDir = Directory.CreateTempSubdirectory("leap-docs-run-").FullName;
        int port = PostgresServer.FreePort();
        try
        {
            using var server = ChildProcess.Start("LeapEngine.Api", new Dictionary<string, string>
            {
                ["LEAP_DATA_DIR"] = dataDir,
                ["LEAP_MODELS_DIR"] = SharedFiles.ModelsDir,
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            });
            await server.WaitForOutputAsync("Application started", TimeSpan.FromSeconds(90));
            var output = server.Output();
            var key = Regex.Match(output, @"free-tier key:\s+(\S+)").Groups[1].Value;
            var operatorKey = Regex.Match(output, @"operator key:\s+(\S+)").Groups[1].Value;
            Assert.False(string.IsNullOrEmpty(key) || string.IsNullOrEmpty(operatorKey), $"the first start printed no keys: {output}");

            var script = new StringBuilder("""
                set -euo pipefail
                # An HTTP error answer fails the command, as a reader would notice it; the examples are otherwise as written.
                # (curl refuses --fail-with-body beside an example's own -f.)
                curl() {
                  case " $* " in
                    *" -f "*|*" -sf "*|*" -fs "*|*" --fail "*) command curl "$@" ;;
                    *) command curl --fail-with-body "$@" ;;
                  esac
                }
                trap 'echo "@@ failed at line $LINENO of the script" >&2' ERR

                """);
            foreach (var block in run)
                script.Append($"echo '@@ docs/api.md line {block.Line}'\n").Append(block.Code).Append('\n');
            var scriptPath = Path.Combine(workDir, "examples.sh");
            await File.WriteAllTextAsync(scriptPath, script.ToString());

            var (code, log) = await RunBashAsync(scriptPath, workDir, new Dictionary<string, string>
            {
                ["LEAP"] = $"http://127.0.0.1:{port}", ["KEY"] = key, ["OPERATOR"] = operatorKey,
            }, TimeSpan.FromMinutes(8));
            var failedAt = log.Split('\n').LastOrDefault(l => l.StartsWith("@@ docs/api.md line")) ?? "before the first block";
            Assert.True(code == 0, $"the example block at {failedAt["@@ ".Length..]} failed (exit {code}):\n{Tail(log)}\n--- server:\n{Tail(server.Output())}");
            // The API omits null fields, so a null in what an example prints is its jq picking what is not there (the
            // result of another job, a misspelt field): the example runs but shows nothing.
            var nulls = log.Split('\n').Where(l => Regex.IsMatch(l, @"\bnull\b")).Take(5).ToList();
            Assert.True(nulls.Count == 0, $"an example printed null:\n{string.Join('\n', nulls)}\n{Tail(log)}");

            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            var jobs = (await http.GetFromJsonAsync<JsonObject>("/v1/jobs?limit=100"))!["data"]!.AsArray();
            Assert.NotEmpty(jobs);
            var cancelled = jobs.Where(j => j!["status"]!.GetValue<string>() == "cancelled").ToList();
            Assert.Single(cancelled);
            Assert.All(jobs.Except(cancelled), j => Assert.True(j!["status"]!.GetValue<string>() == "succeeded",
                $"a job of the examples did not succeed: {j.ToJsonString()}"));
            Assert.Equal(["attribution", "dictionary_ablate", "dictionary_assign", "dictionary_build", "dictionary_match", "dictionary_score",
                    "dictionary_steer", "generation", "prompt_optimisation", "system_prompt_influence"],
                jobs.Select(j => j!["type"]!.GetValue<string>()).Distinct().Order());
        }
        finally
        {
            foreach (var dir in new[] { dataDir, workDir })
                try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    private static async Task<(int Code, string Log)> RunBashAsync(string script, string workDir, IReadOnlyDictionary<string, string> environment,
        TimeSpan timeout)
    {
        var start = new ProcessStartInfo("bash") { WorkingDirectory = workDir, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        foreach (var (k, v) in environment) start.Environment[k] = v;
        using var process = Process.Start(start)!;
        var log = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            lock (log) log.AppendLine($"@@ timed out after {timeout}");
            return (-1, log.ToString());
        }
        process.WaitForExit();
        lock (log) return (process.ExitCode, log.ToString());
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
        .Any(dir => File.Exists(Path.Combine(dir, tool)));

    private static string Tail(string text, int chars = 6000) => text.Length <= chars ? text : "…" + text[^chars..];
}
