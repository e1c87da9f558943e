using LeapEngine.Core.Tests;

namespace LeapEngine.Cli.Tests;

[CollectionDefinition(nameof(ConsoleCollection), DisableParallelization = true)]
public sealed class ConsoleCollection;

/// <summary>
/// Runs `leap` in-process with stdout/stderr captured. Console redirection is process-wide,
/// so every CLI test sits in one serial collection.
/// </summary>
public static class CliHarness
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static Task<(int Code, string Out, string Err)> RunAsync(params string[] args) =>
        RunRawAsync([.. args, "--models-dir", SharedFiles.ModelsDir, "--offline"]);

    /// <summary>Runs with exactly these arguments: no shared models folder, no --offline added.</summary>
    public static async Task<(int Code, string Out, string Err)> RunRawAsync(params string[] all)
    {
        await Gate.WaitAsync();
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        try
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
            int code = await LeapCli.Build().Parse(all).InvokeAsync();
            return (code, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
            Gate.Release();
        }
    }
}
