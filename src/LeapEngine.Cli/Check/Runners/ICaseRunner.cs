namespace LeapEngine.Cli.Check.Runners;

/// <summary>Measures one case once: on a LeapEngine server (<see cref="ServerCaseRunner"/>) or in-process (<see cref="LocalCaseRunner"/>).</summary>
public interface ICaseRunner : IDisposable
{
    /// <summary>Where the figures come from, for the summary ("http://…/ model stories260K", "local stories260K").</summary>
    string Describe { get; }

    Task<CaseRun> RunAsync(CheckCase c, CancellationToken ct);
}
