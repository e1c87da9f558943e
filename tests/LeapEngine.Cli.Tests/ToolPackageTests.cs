using System.Diagnostics;
using System.Text;

namespace LeapEngine.Cli.Tests;

/// <summary>
/// `leap` is a .NET tool a pipeline installs the way .NET users expect: build/check-tool-package.sh packs it (the build
/// these tests run on, no rebuild), installs it with `dotnet tool install --tool-path` from that folder alone (no
/// network) and runs the installed command, the engine included (libtorch ships inside the package).
/// </summary>
public sealed class ToolPackageTests
{
    [Trait("Category", "Slow")]
    [Fact]
    public async Task The_cli_packs_as_a_dotnet_tool_that_installs_offline_and_runs()
    {
        // The tests run from tests/LeapEngine.Cli.Tests/bin/{configuration}/net10.0/linux-x64/.
        var parts = Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory).Split('/');
        int bin = Array.LastIndexOf(parts, "bin");
        var repo = Path.GetFullPath(Path.Combine(string.Join('/', parts[..bin]), "..", ".."));
        var start = new ProcessStartInfo("bash") { WorkingDirectory = repo, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(repo, "build", "check-tool-package.sh"));
        start.Environment["CONFIGURATION"] = parts[bin + 1];
        start.Environment["NO_BUILD"] = "1";
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(name);   // the test host's MSBuild variables would steer the pack
        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        try
        {
            await process.WaitForExitAsync(timeout.Token);   // also waits for the end of both streams
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
        }
        string log;
        lock (output) log = output.ToString();
        Assert.True(process.HasExited && process.ExitCode == 0, $"the package check failed:\n{log}");
        Assert.Contains("Tool 'leapengine.cli' (version '0.1.0') was successfully installed.", log);
        Assert.Contains("Once upon a time, there was", log);
        Assert.Contains("ok: LeapEngine.Cli packs as a .NET tool and installs offline", log);
    }
}
