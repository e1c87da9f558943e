namespace LeapEngine.Cli.Tests;

/// <summary>
/// The README's CLI line works on a fresh machine: with an empty models folder and no downloads, `leap` finds the
/// default model shipped beside it.
/// </summary>
[Collection(nameof(ConsoleCollection))]
public sealed class EmbeddedModelTests
{
    [Fact]
    public async Task Generate_with_the_default_model_needs_no_models_folder_and_no_download()
    {
        var empty = Directory.CreateTempSubdirectory("leap-cli-empty-");
        try
        {
            var (code, output, err) = await CliHarness.RunRawAsync("generate", "--model", "stories260K", "--text", "Once upon a time",
                "--max-tokens", "8", "--models-dir", empty.FullName, "--offline");
            Assert.True(code == 0, err);
            Assert.Contains("there was", output);
        }
        finally
        {
            empty.Delete(recursive: true);
        }
    }
}
