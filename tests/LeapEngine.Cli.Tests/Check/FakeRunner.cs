using LeapEngine.Cli.Check;
using LeapEngine.Cli.Check.Runners;

namespace LeapEngine.Cli.Tests.Check;

/// <summary>Scripted measurements: each call to a case returns the next of its runs (the last one again when they run out).</summary>
public sealed class FakeRunner(Dictionary<string, CaseRun[]> runs) : ICaseRunner
{
    private readonly Dictionary<string, int> _calls = [];

    public string Describe => "fake";

    /// <summary>Measurements made so far, over all cases.</summary>
    public int Runs => _calls.Values.Sum();

    public Task<CaseRun> RunAsync(CheckCase c, CancellationToken ct)
    {
        int n = _calls.GetValueOrDefault(c.Name);
        _calls[c.Name] = n + 1;
        var list = runs[c.Name];
        return Task.FromResult(list[Math.Min(n, list.Length - 1)]);
    }

    public void Dispose() { }

    public static CaseRun Measured(double drop, double share, string completion = " the end") =>
        // One system unit over the whole prompt (every span overlaps it), one user unit.
        new(completion, drop, share, [new UnitScore("system", 0, 10_000, share), new UnitScore("user", 0, 2, 1 - share)]);
}
