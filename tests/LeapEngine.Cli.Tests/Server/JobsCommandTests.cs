using System.Text.Json.Nodes;

namespace LeapEngine.Cli.Tests.Server;

/// <summary>
/// `leap jobs list|show|wait|cancel` against a live standalone server started by the test: what a pipeline sees (text by
/// default, the API's JSON with --json) and the exit codes it gates on — 0 succeeded, 1 failed or cancelled, 2 could
/// not run (refused key, unreachable server, no such job, --timeout) with one clear line on stderr.
/// </summary>
[Collection(nameof(ConsoleCollection))]
public sealed class JobsCommandTests(StandaloneServer server) : IClassFixture<StandaloneServer>
{
    private const string KeyVariable = "LEAP_CLI_TESTS_KEY";

    private Task<(int Code, string Out, string Err)> Leap(params string[] args)
    {
        Environment.SetEnvironmentVariable(KeyVariable, server.Key);
        return CliHarness.RunRawAsync([.. args, "--api-url", server.Url, "--api-key-env", KeyVariable]);
    }

    private Task<string> GenerationAsync(string prompt) =>
        server.SubmitAsync("/v1/generations", new { prompt, max_tokens = 16 });

    [Fact]
    public async Task Wait_follows_a_job_to_success_and_exits_0_then_list_and_show_find_it()
    {
        var id = await GenerationAsync("Once upon a time");
        var (code, output, err) = await Leap("jobs", "wait", id, "--timeout", "120");
        Assert.True(code == 0, err + output + server.Log());
        Assert.Matches(@"status:\s+succeeded", output);
        Assert.Matches(@"progress:\s+16/16 tokens \(100%\)", output);
        Assert.Contains("text, tokens", output);   // the result's fields, with how to get all of it
        Assert.DoesNotContain("   at ", err);

        (code, output, err) = await Leap("jobs", "list", "--limit", "100");
        Assert.True(code == 0, err);
        Assert.Matches(@"ID\s+TYPE\s+STATUS\s+MODEL\s+CREATED\s+PROGRESS", output);
        Assert.Matches($@"{id}\s+generation\s+succeeded\s+stories260K", output);

        (code, output, err) = await Leap("jobs", "list", "--status", "succeeded", "--type", "generation", "--json");
        Assert.True(code == 0, err);
        var page = JsonNode.Parse(output)!;
        Assert.Equal("list", page["object"]!.GetValue<string>());
        Assert.Contains(page["data"]!.AsArray(), j => j!["id"]!.GetValue<string>() == id);
        DialectTests.AssertSnakeCase(page);

        (code, output, err) = await Leap("jobs", "show", id, "--json");
        Assert.True(code == 0, err);
        var job = JsonNode.Parse(output)!;
        Assert.Equal("succeeded", job["status"]!.GetValue<string>());
        Assert.Contains("there was", job["result"]!["text"]!.GetValue<string>());

        (code, output, err) = await Leap("jobs", "show", id);
        Assert.True(code == 0, err);
        Assert.Matches(@"type:\s+generation", output);
        Assert.Matches(@"usage:\s+\d+ model tokens \(reserved \d+\)", output);
    }

    [Fact]
    public async Task A_cancelled_job_makes_wait_exit_1_and_a_timeout_exit_2()
    {
        var id = await server.SubmitAsync("/v1/optimisations",
            new { target = " dragon", steps = 500, stop_after_successes = 16, max_work = 300_000 });

        var (code, _, err) = await Leap("jobs", "wait", id, "--timeout", "1");
        Assert.Equal(2, code);
        Assert.Contains($"timed out after 1 s waiting for {id}", err);
        Assert.Contains($"leap jobs cancel {id}", err);

        (code, var output, err) = await Leap("jobs", "cancel", id);
        Assert.True(code == 0, err + output);
        Assert.Contains(id, output);

        (code, output, err) = await Leap("jobs", "wait", id, "--timeout", "60");
        Assert.True(code == 1, $"exit {code}: {err}{output}");
        Assert.Matches(@"status:\s+cancelled", output);
        Assert.Contains($"leap: job {id} cancelled", err);

        (code, output, _) = await Leap("jobs", "wait", id, "--json");
        Assert.Equal(1, code);
        Assert.Equal("cancelled", JsonNode.Parse(output)!["status"]!.GetValue<string>());

        (code, _, err) = await Leap("jobs", "cancel", id);
        Assert.Equal(1, code);
        Assert.Contains("had already finished (cancelled)", err);
    }

    [Fact]
    public async Task A_wrong_key_exits_2_saying_the_key_was_refused()
    {
        Environment.SetEnvironmentVariable("LEAP_CLI_TESTS_WRONG_KEY", "leap_nottherealkey_0000000000000000000000000000000");
        var (code, output, err) = await CliHarness.RunRawAsync("jobs", "list", "--api-url", server.Url, "--api-key-env", "LEAP_CLI_TESTS_WRONG_KEY");
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Contains("refused the API key (401 /problems/unauthorized", err);
        Assert.Contains("LEAP_API_KEY", err);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public async Task An_unknown_job_exits_2_naming_it()
    {
        foreach (var command in new[] { "show", "wait", "cancel" })
        {
            var (code, _, err) = await Leap("jobs", command, "job_00000000000000000000000000000000");
            Assert.Equal(2, code);
            Assert.Contains("no job 'job_00000000000000000000000000000000' for this API key", err);
        }
    }

    [Fact]
    public async Task An_unreachable_server_exits_2_after_bounded_retries()
    {
        Environment.SetEnvironmentVariable(KeyVariable, server.Key);
        var url = $"http://127.0.0.1:{StandaloneServer.FreePort()}";   // nothing listens there
        var started = DateTime.UtcNow;
        var (code, _, err) = await CliHarness.RunRawAsync("jobs", "wait", "job_x", "--api-url", url, "--api-key-env", KeyVariable, "--retries", "2");
        Assert.Equal(2, code);
        Assert.Contains($"cannot reach the LeapEngine server at {url}/", err);
        Assert.Contains("retrying in 0.5 s (1/2)", err);
        Assert.Contains("gave up after 2 retries", err);
        Assert.InRange((DateTime.UtcNow - started).TotalSeconds, 1.4, 30);
    }

    [Fact]
    public async Task The_server_and_key_come_from_LEAP_API_URL_and_LEAP_API_KEY_and_their_absence_is_exit_2()
    {
        var (url, key) = (Environment.GetEnvironmentVariable("LEAP_API_URL"), Environment.GetEnvironmentVariable("LEAP_API_KEY"));
        try
        {
            Environment.SetEnvironmentVariable("LEAP_API_URL", null);
            var (code, _, err) = await CliHarness.RunRawAsync("jobs", "list");
            Assert.Equal(2, code);
            Assert.Contains("no server: set LEAP_API_URL", err);

            Environment.SetEnvironmentVariable("LEAP_API_URL", server.Url);
            Environment.SetEnvironmentVariable("LEAP_API_KEY", null);
            (code, _, err) = await CliHarness.RunRawAsync("jobs", "list");
            Assert.Equal(2, code);
            Assert.Contains("no API key: $LEAP_API_KEY is not set", err);

            Environment.SetEnvironmentVariable("LEAP_API_KEY", server.Key);
            (code, var output, err) = await CliHarness.RunRawAsync("jobs", "list", "--limit", "1", "--json");
            Assert.True(code == 0, err);
            Assert.Equal("list", JsonNode.Parse(output)!["object"]!.GetValue<string>());
        }
        finally
        {
            Environment.SetEnvironmentVariable("LEAP_API_URL", url);
            Environment.SetEnvironmentVariable("LEAP_API_KEY", key);
        }
    }

    [Fact]
    public async Task Every_jobs_command_has_help()
    {
        foreach (var command in new[] { "list", "show", "wait", "cancel" })
        {
            var (code, output, _) = await CliHarness.RunRawAsync("jobs", command, "--help");
            Assert.Equal(0, code);
            Assert.Contains("Usage:", output);
            Assert.Contains("--api-url", output);
        }
    }
}
