using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LeapEngine.Api.Tests.Infrastructure;
using LeapEngine.Core.Tests;

namespace LeapEngine.Api.Tests;

/// <summary>
/// Standalone mode (SQLite + in-process worker, zero setup): the first start prints an operator
/// and a free-tier key; a crash (SIGKILL) mid-job loses nothing: after a restart the job is
/// re-enqueued from the jobs table and completes once.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class StandaloneRestartTests
{
    [Trait("Category", "Slow")]
    [Fact]
    public async Task Keys_are_printed_once_and_a_job_survives_a_crash_of_the_whole_server()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), $"leap-standalone-{Guid.NewGuid():N}");
        int port = PostgresServer.FreePort();
        var environment = new Dictionary<string, string>
        {
            ["LEAP_DATA_DIR"] = dataDir,
            ["LEAP_MODELS_DIR"] = SharedFiles.ModelsDir,
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Leap__Jobs__StepDelayMs"] = "60",
            ["Leap__Jobs__ProgressIntervalMs"] = "100",
        };
        try
        {
            string key, id;
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            using (var first = ChildProcess.Start("LeapEngine.Api", environment))
            {
                await first.WaitForOutputAsync("Application started", TimeSpan.FromSeconds(60));
                var output = first.Output();
                Assert.Matches(@"operator key:\s+leap_", output);
                key = Regex.Match(output, @"free-tier key: (\S+)").Groups[1].Value;
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

                var job = await JobClient.SubmitGenerationAsync(http, new { prompt = "Once upon a time", max_tokens = 60, stop_at_eos = false });
                id = job["id"]!.GetValue<string>();
                var running = await JobClient.PollAsync(http, id, j => j["progress"]!["done"]!.GetValue<long>() >= 3, TimeSpan.FromSeconds(60));
                Assert.True(running["progress"]!["done"]!.GetValue<long>() < 60, "the job finished before the crash; slow it down");
                first.Kill();
            }

            using var second = ChildProcess.Start("LeapEngine.Api", environment);
            await second.WaitForOutputAsync("Application started", TimeSpan.FromSeconds(60));
            Assert.DoesNotContain("key:", second.Output());            // shown once: the restart prints no keys
            Assert.Contains("Re-enqueued 1 unfinished job", second.Output());

            var done = await JobClient.WaitFinalAsync(http, id, TimeSpan.FromSeconds(60));
            Assert.Equal("succeeded", done["status"]!.GetValue<string>());
            var expected = GenerationJobTests.ExpectedTokens("Once upon a time", 60, stopAtEos: false);
            Assert.Equal(expected, done["result"]!["tokens"]!.AsArray().Select(t => t!.GetValue<int>()).ToArray());

            var usage = (await http.GetFromJsonAsync<JsonObject>("/v1/usage"))!;
            long promptTokens = done["result"]!["prompt_tokens"]!.GetValue<long>();
            Assert.Equal(promptTokens + 60, usage["used_model_tokens"]!.GetValue<long>());
            Assert.Equal(0, usage["reserved_model_tokens"]!.GetValue<long>());
            Assert.Equal(0, usage["active_jobs"]!.GetValue<int>());
            Assert.Equal(1, usage["jobs_succeeded"]!.GetValue<int>());
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz")).StatusCode);
        }
        finally
        {
            try { Directory.Delete(dataDir, recursive: true); } catch (IOException) { }
        }
    }
}
