using System.Diagnostics;
using System.Net;
using LeapEngine.Cli.Check.Runners;
using LeapEngine.Cli.Server;

namespace LeapEngine.Cli.Check;

/// <summary>
/// Measures every case (each repeated as the settings say), judges the assertions and compares with the baseline. Progress
/// goes to stderr; anything that stops the check from running is an exception the command turns into exit 2.
/// </summary>
public sealed class CheckRun(CheckConfig config, ICaseRunner runner, StatusLine status, TextWriter log)
{
    /// <param name="baseline">The baseline to compare with, or null (none yet, or --update-baseline).</param>
    /// <param name="baselineNote">What happened to the baseline, for the reports.</param>
    public async Task<CheckReport> RunAsync(Baseline? baseline, string baselineNote, CancellationToken ct)
    {
        var total = Stopwatch.StartNew();
        var outcomes = new List<CaseOutcome>();
        int repeats = config.Settings.Repeats;
        for (int i = 0; i < config.Cases.Count; i++)
        {
            var c = config.Cases[i];
            var watch = Stopwatch.StartNew();
            var runs = new List<CaseRun>();
            for (int r = 0; r < repeats; r++)
            {
                status.Show($"case {i + 1}/{config.Cases.Count}: {c.Name}{(repeats > 1 ? $" (repeat {r + 1}/{repeats})" : "")}");
                var run = await MeasureAsync(c, ct);
                baseline?.EnsureSameScoring(run.ScoringMode, config.Baseline.File);
                runs.Add(run);
            }
            status.Clear();
            var figures = Figures.Over(runs, config.Spans);
            var completions = runs.Select(x => x.Completion).ToList();
            var verdicts = AssertionJudge.Judge(config, c, completions, figures);
            if (baseline is not null) verdicts.AddRange(baseline.Compare(config, c, figures));
            var modes = runs.Select(r => r.ScoringMode).OfType<string>().Distinct().ToList();
            long? calls = runs.Any(r => r.EndpointCalls is not null) ? runs.Sum(r => r.EndpointCalls ?? 0) : null;
            var outcome = new CaseOutcome(c, completions, figures, verdicts, watch.Elapsed, modes.Count > 0 ? modes : null, calls);
            outcomes.Add(outcome);
            int failed = verdicts.Count(v => v.Failed);
            var scored = calls is null ? "" : $"; {outcome.ScoringMode}, {calls} endpoint calls";
            log.WriteLine($"leap: case {i + 1}/{config.Cases.Count} {c.Name}: {(failed == 0 ? "passed" : $"{failed} failed")} ({watch.Elapsed.TotalSeconds:0.0} s{scored})");
        }
        return new CheckReport(config, runner.Describe, outcomes, baselineNote, total.Elapsed);
    }

    private async Task<CaseRun> MeasureAsync(CheckCase c, CancellationToken ct)
    {
        try
        {
            return await runner.RunAsync(c, ct);
        }
        catch (ServerException e) when (e.Status is HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity)
        {
            // The server's validation said what is wrong with this case (too long for the model, an unknown unit, …).
            throw new CheckConfigException(c.At, $"{c.Name}: the server refused the case: {e.Message}");
        }
    }
}
