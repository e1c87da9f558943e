using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace LeapEngine.Cli.Tests;

/// <summary>
/// `leap` speaks the API's dialect: `--json` output has snake_case names and enum values, enum options take the
/// API's values (batched_prefix_cache, cosine, near_target) and a wrong one is refused with the valid ones listed.
/// </summary>
[Collection(nameof(ConsoleCollection))]
public sealed class DialectTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("leap-cli-dialect-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("attribute --model stories260K --text hi --mode Fast", "--mode: unknown value 'Fast'; use one of: naive, batched, batched_prefix_cache")]
    [InlineData("partition build --model stories260K --corpus stories:2 --out x.safetensors --metric manhattan",
        "--metric: unknown value 'manhattan'; use one of: cosine, euclidean")]
    [InlineData("optimise --model stories260K --target x --init closest", "--init: unknown value 'closest'; use one of: centroids, random, near_target")]
    [InlineData("optimise --model stories260K --target x --vocabulary all", "--vocabulary: unknown value 'all'; use one of: printable, no_special")]
    [InlineData("partition build --model stories260K --corpus stories:2 --out x.safetensors --theta 0.3 --percentile 5",
        "give --percentile or --theta, not both")]
    public async Task A_wrong_enum_value_or_a_contradictory_pair_is_refused_with_the_valid_values(string args, string expected)
    {
        var (code, _, err) = await CliHarness.RunAsync(args.Split(' '));
        Assert.NotEqual(0, code);
        Assert.Contains(expected, err);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public async Task Every_json_the_cli_writes_is_snake_case_with_the_apis_enum_values()
    {
        var corpus = Path.Combine(_dir, "corpus.txt");
        await File.WriteAllLinesAsync(corpus, ["Tom saw a big dog.", "Lily liked to play in the park.", "123 apples fell."]);
        var dict = Path.Combine(_dir, "d.safetensors");
        var (code, _, err) = await CliHarness.RunAsync("partition", "build", "--model", "stories260K", "--corpus", corpus, "--out", dict,
            "--metric", "cosine", "--context", "32");
        Assert.True(code == 0, err);

        (code, var show, err) = await CliHarness.RunAsync("partition", "show", "--dict", dict, "--json", "--top", "50");
        Assert.True(code == 0, err);
        var shown = JsonNode.Parse(show)!;
        Assert.Equal("stories260K", shown["info"]!["model_id"]!.GetValue<string>());
        Assert.Equal("all_but_bos", shown["info"]!["positions"]!.GetValue<string>());
        Assert.NotNull(shown["regions"]![0]!["mean_distance"]);
        AssertSnakeCase(shown);

        (code, var assigned, err) = await CliHarness.RunAsync("partition", "assign", "--dict", dict, "--text", "Tom saw a cat.", "--json");
        Assert.True(code == 0, err);
        AssertSnakeCase(JsonNode.Parse(assigned)!);

        var attribution = Path.Combine(_dir, "a.json");
        (code, _, err) = await CliHarness.RunAsync("attribute", "--model", "stories260K", "--text", "Tom saw a dog", "--max-tokens", "2",
            "--mode", "batched_prefix_cache", "--no-color", "--json", attribution);
        Assert.True(code == 0, err);
        var result = JsonNode.Parse(await File.ReadAllTextAsync(attribution))!;
        Assert.Equal("batched_prefix_cache", result["evaluation_mode"]!.GetValue<string>());
        AssertSnakeCase(result);
    }

    /// <summary>Every property name in the document is snake_case (lower case, digits, underscores).</summary>
    internal static void AssertSnakeCase(JsonNode? node, string path = "$")
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (name, value) in o)
                {
                    Assert.True(Regex.IsMatch(name, "^[a-z0-9_]+$"), $"{path}.{name} is not snake_case");
                    AssertSnakeCase(value, $"{path}.{name}");
                }
                break;
            case JsonArray a:
                for (int i = 0; i < a.Count; i++) AssertSnakeCase(a[i], $"{path}[{i}]");
                break;
        }
    }
}
