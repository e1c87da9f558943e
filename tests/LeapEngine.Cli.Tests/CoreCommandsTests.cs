using LeapEngine.Core.Tensors;
using LeapEngine.Core.Tests;
using static TorchSharp.torch;

namespace LeapEngine.Cli.Tests;

[Collection(nameof(ConsoleCollection))]
public sealed class CoreCommandsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("leap-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Models_lists_built_ins_and_local_folders()
    {
        var (code, output, _) = await CliHarness.RunAsync("models");
        Assert.Equal(0, code);
        Assert.Matches(@"stories260K\s+Llama2c\s+ModelsDir\s+present", output);
        Assert.Matches(@"stories260K-hf\s+HuggingFace\s+ModelsDir\s+present", output);
        Assert.Contains("gpt2", output);
    }

    [Fact]
    public async Task Generate_continues_greedily_like_run_c()
    {
        var (code, output, err) = await CliHarness.RunAsync("generate", "--model", "stories260K", "--max-tokens", "24");
        Assert.True(code == 0, err);
        Assert.Equal("Once upon a time, there was a little girl named Lily. She loved to play outsid", output.Trim());
    }

    [Fact]
    public async Task Run_writes_ids_logits_and_hooks_that_match_the_reference()
    {
        var ids = "1,403,407,261,378,432,383,286,261,376,298,315,421,395,317,426,338,401,396,267,337,410,408,419,292";
        var path = Path.Combine(_dir, "out.safetensors");
        var (code, output, err) = await CliHarness.RunAsync("run", "--model", "stories260K-hf", "--ids", ids,
            "--hooks", "hook_embed,blocks.2.hook_resid_post,blocks.4.hook_resid_mid,blocks.0.attn.hook_pattern", "--out", path);
        Assert.True(code == 0, err);
        Assert.Contains("next token candidates", output);
        var written = Safetensors.Load(path);
        var expected = Safetensors.Load(SharedFiles.Fixture("stories260K", "expected.safetensors"));
        Assert.Equal(ScalarType.Int64, written["input_ids"].dtype);
        foreach (var (name, tensor) in expected)
        {
            Assert.True(written.ContainsKey(name), $"missing {name}");
            Assert.Equal(tensor.shape, written[name].shape);
            double diff = (tensor.to(ScalarType.Float64) - written[name].to(ScalarType.Float64)).abs().max().item<double>();
            Assert.True(diff <= 1e-4, $"{name}: max abs difference {diff}");
        }
    }

    [Theory]
    [InlineData("run --model stories260K --ids 1,999", "[0, 512)")]
    [InlineData("run --model stories260K --text hi --hooks blocks.9.hook_resid_post", "unknown hook point")]
    [InlineData("run --model owner/missing --text hi", "not available offline")]
    [InlineData("run --model stories260K --ids 1,x", "'x' is not a token id")]
    [InlineData("generate --model stories260K --temperature -1", "temperature")]
    [InlineData("attribute --model stories260K --text hi --unit sentence", "sentence")]
    [InlineData("optimise --model stories260K --target x --length 0", "length")]
    [InlineData("optimise --model stories260K --target x --max-work 0", "work budget")]
    [InlineData("optimise --model stories260K --target x --max-seconds -1", "time budget")]
    [InlineData("optimise --model stories260K --target x --hybrid zigzag", "--hybrid: unknown value 'zigzag'; use one of: sequential, chain, anchored")]
    [InlineData("optimise --model stories260K --target x --descent-steps 0", "--descent-steps: AnchoredHybridOptions.DescentSteps must be 1 to 16, got 0")]
    [InlineData("optimise --model stories260K --target x --hybrid reseed --descent-steps 17", "--descent-steps: ReseedHybridOptions.DescentSteps must be 1 to 16, got 17")]
    [InlineData("optimise --model stories260K --target x --hybrid sequential --descent-fraction 1",
        "--descent-fraction: SequentialHybridOptions.DescentFraction must lie strictly between 0 and 1, got 1")]
    [InlineData("optimise --model stories260K --target x --hybrid anchored --descent-fraction 0.5",
        "--descent-fraction applies to the sequential hybrid only, not anchored")]
    [InlineData("optimise --model stories260K --target x --hybrid reseed --nearest-tokens 2",
        "--nearest-tokens applies to the chain and anchored hybrid only, not reseed")]
    [InlineData("optimise --model stories260K --target x --method gcg --hybrid chain", "--hybrid applies to --method hybrid only, not gcg")]
    [InlineData("optimise --model stories260K --target x --method descent --best-readouts", "--best-readouts applies to --method hybrid only, not descent")]
    public async Task Bad_input_is_one_clear_line_and_a_non_zero_exit(string args, string expected)
    {
        var (code, _, err) = await CliHarness.RunAsync(args.Split(' '));
        Assert.NotEqual(0, code);
        Assert.Contains(expected, err);
        Assert.DoesNotContain("   at ", err);   // no stack trace
    }

    [Fact]
    public async Task Optimise_under_a_work_budget_prints_the_work_and_a_verified_prompt()
    {
        var path = Path.Combine(_dir, "optimise.json");
        var (code, output, err) = await CliHarness.RunAsync("optimise", "--model", "stories260K", "--target", " dog", "--candidates", "4",
            "--max-work", "60000", "--seed", "0", "--json", path);
        Assert.True(code == 0, err + output);
        Assert.Matches(@"Hybrid, seed 0: 1 verified prompt\(s\) in \d+ steps, \d+ forward-token equivalents", output);
        Assert.Contains("forward-token equivalents", err);   // progress counts the budget
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
        Assert.InRange(json.RootElement.GetProperty("work").GetInt64(), 1, 60_000);
        Assert.Contains("dog", json.RootElement.GetProperty("successes")[0].GetProperty("generation").GetString());
    }

    [Fact]
    public async Task Every_command_has_help()
    {
        foreach (var command in new[] { "models", "generate", "run", "attribute", "partition", "optimise", "glitch" })
        {
            var (code, output, _) = await CliHarness.RunAsync(command, "--help");
            Assert.Equal(0, code);
            Assert.Contains("Usage:", output);
        }
        foreach (var sub in new[] { "build", "show", "assign", "score", "steer", "ablate", "match" })
        {
            var (code, output, _) = await CliHarness.RunAsync("partition", sub, "--help");
            Assert.Equal(0, code);
            Assert.Contains("Usage:", output);
        }
    }

    [Fact]
    public async Task Attribute_reports_every_word_with_its_score_and_writes_Json()
    {
        var path = Path.Combine(_dir, "attribution.json");
        var (code, output, err) = await CliHarness.RunAsync("attribute", "--model", "stories260K", "--text", "Lily went to the park with her",
            "--unit", "word", "--max-tokens", "3", "--no-color", "--json", path);
        Assert.True(code == 0, err);
        foreach (var word in new[] { "Lily", "went", "park", "her" }) Assert.Contains($"[{word} ", output);
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!;
        Assert.Equal(7, json["units"]!.AsArray().Count);
    }
}
