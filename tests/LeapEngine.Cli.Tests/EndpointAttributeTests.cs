using System.Text.Json;
using LeapEngine.Core.Tests;
using LeapEngine.Core.Tests.BlackBox;

namespace LeapEngine.Cli.Tests;

/// <summary>`leap attribute --endpoint`: the OpenAI-like double served over HTTP, the key from an environment variable.</summary>
[Collection(nameof(ConsoleCollection))]
public class EndpointAttributeTests
{
    [Fact]
    public async Task Attributes_a_messages_file_against_an_endpoint()
    {
        using var dir = new TempDir();
        var double_ = new OpenAiChatDouble();
        using var server = new HandlerServer(double_);
        var file = Path.Combine(dir.Path, "messages.json");
        await File.WriteAllTextAsync(file, """[{"role":"system","content":"You answer geography questions."},{"role":"user","content":"What is the capital of France?"}]""");
        var json = Path.Combine(dir.Path, "result.json");
        Environment.SetEnvironmentVariable("LEAP_TEST_ENDPOINT_KEY", "sk-cli-secret");
        var (code, output, err) = await CliHarness.RunRawAsync("attribute", "--endpoint", server.BaseUrl, "--endpoint-model", "double",
            "--api-key-env", "LEAP_TEST_ENDPOINT_KEY", "--messages", file, "--max-tokens", "5", "--json", json);
        Assert.True(code == 0, err);
        Assert.Contains("scoring regenerate_top_logprobs", output);
        Assert.Contains("[user] France?", output.Split('\n').First(l => l.Contains("[user]")));
        Assert.DoesNotContain("sk-cli-secret", output + err + await File.ReadAllTextAsync(json));
        using var result = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        Assert.Equal("regenerate_top_logprobs", result.RootElement.GetProperty("scoring_mode").GetString());
    }

    [Theory]
    [InlineData("--endpoint-model", "needs --messages")]
    [InlineData("--messages", "needs --endpoint-model")]
    public async Task Missing_endpoint_options_say_what_to_add(string given, string message)
    {
        using var dir = new TempDir();
        var file = Path.Combine(dir.Path, "m.json");
        await File.WriteAllTextAsync(file, """[{"role":"user","content":"hi"}]""");
        var (code, _, err) = await CliHarness.RunRawAsync("attribute", "--endpoint", "http://127.0.0.1:9/v1", given, given == "--messages" ? file : "m");
        Assert.NotEqual(0, code);
        Assert.Contains(message, err);
    }

    [Theory]
    [InlineData("--server --endpoint http://127.0.0.1:9/v1", "with --server, --endpoint is one of your registered endpoints' ids (ep_…), got 'http://127.0.0.1:9/v1'")]
    [InlineData("--endpoint ep_0123", "--endpoint ep_0123 is an endpoint registered on a LeapEngine server, which holds its key: add --server")]
    [InlineData("--server --model stories260K", "--server explains one of your registered endpoints: give --endpoint ep_…")]
    [InlineData("--server --endpoint ep_0123 --endpoint-model m", "--endpoint-model is part of the registered endpoint")]
    [InlineData("--server --endpoint ep_0123 --html x.html", "--html and --faithfulness are for a local model")]
    public async Task Server_and_endpoint_options_that_do_not_go_together_say_why(string options, string message)
    {
        using var dir = new TempDir();
        var file = Path.Combine(dir.Path, "m.json");
        await File.WriteAllTextAsync(file, """[{"role":"user","content":"hi"}]""");
        var (code, output, err) = await CliHarness.RunRawAsync(["attribute", .. options.Split(' '), "--messages", file, "--api-url", "http://127.0.0.1:9"]);
        Assert.Equal(1, code);
        Assert.Contains(message, err);
        Assert.Empty(output);   // refused before anything was sent
    }
}
