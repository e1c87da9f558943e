using System.Diagnostics;
using System.Text;

namespace LeapEngine.Api.Tests.Infrastructure;

/// <summary>
/// A built LeapEngine program (API or worker) run as a separate process, so a test can SIGKILL
/// it the way a crash or an OOM killer would.
/// </summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ChildProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>
    /// Starts src/{project}/bin/{same configuration as the tests}/…/{project}.dll with extra environment, in
    /// <paramref name="workingDirectory"/> (default: the program's folder).
    /// </summary>
    public static ChildProcess Start(string project, IReadOnlyDictionary<string, string> environment, string? workingDirectory = null)
    {
        var dll = BuiltDll(project);
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory ?? Path.GetDirectoryName(dll)!, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        start.ArgumentList.Add(dll);
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (k, v) in environment) start.Environment[k] = v;
        return new ChildProcess(Process.Start(start)!);
    }

    /// <summary>
    /// Runs a shell command line as a user would type it, in <paramref name="workingDirectory"/>, with the test
    /// host's own variables (MSBuild's, the test runner's, LeapEngine's) removed and <paramref name="environment"/>
    /// applied on top (a null value removes a variable).
    /// </summary>
    public static ChildProcess StartShell(string command, string workingDirectory, IReadOnlyDictionary<string, string?> environment)
    {
        var start = new ProcessStartInfo("bash")
        {
            WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        foreach (var name in start.Environment.Keys.ToList())
        {
            if (name.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || name.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith("LEAP_", StringComparison.Ordinal) || name.StartsWith("Leap__", StringComparison.Ordinal)
                || name is "DOTNET_ENVIRONMENT" or "ASPNETCORE_ENVIRONMENT" or "ASPNETCORE_URLS" or "XDG_DATA_HOME" or "XDG_CACHE_HOME")
                start.Environment.Remove(name);
        }
        foreach (var (k, v) in environment)
        {
            if (v is null) start.Environment.Remove(k);
            else start.Environment[k] = v;
        }
        return new ChildProcess(Process.Start(start)!);
    }

    public bool HasExited => _process.HasExited;

    public int Id => _process.Id;

    /// <summary>
    /// SIGTERM, what a process manager (systemd, Kubernetes) sends to stop a process: the program's host
    /// shuts down gracefully. Process.Kill would send SIGKILL.
    /// </summary>
    public void Terminate()
    {
        if (kill(_process.Id, Sigterm) != 0)
            throw new InvalidOperationException($"kill(SIGTERM) of {_process.Id} failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Waits for the process to exit and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try { await _process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { throw new TimeoutException($"the process did not exit within {timeout}: {Output()}"); }
        return _process.ExitCode;
    }

    private const int Sigterm = 15;

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    public string Output() { lock (_output) return _output.ToString(); }

    /// <summary>Waits until the output contains <paramref name="text"/>.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Output().Contains(text))
        {
            if (_process.HasExited) throw new InvalidOperationException($"the process exited ({_process.ExitCode}): {Output()}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"'{text}' did not appear: {Output()}");
            await Task.Delay(50);
        }
    }

    /// <summary>SIGKILL (what Process.Kill sends on Linux): no shutdown, no cleanup.</summary>
    public void Kill()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private static string BuiltDll(string project)
    {
        // The tests run from tests/LeapEngine.Api.Tests/bin/{configuration}/net10.0/linux-x64/.
        var parts = Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory).Split('/');
        int bin = Array.LastIndexOf(parts, "bin");
        var repo = Path.GetFullPath(Path.Combine(string.Join('/', parts[..bin]), "..", ".."));
        var dll = Path.Combine([repo, "src", project, "bin", .. parts[(bin + 1)..], project + ".dll"]);
        if (!File.Exists(dll)) throw new FileNotFoundException($"{project} was not built at {dll}");
        return dll;
    }
}
