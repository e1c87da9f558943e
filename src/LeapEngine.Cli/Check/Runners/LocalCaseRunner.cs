using LeapEngine.Core.Attribution;
using LeapEngine.Core.Runtime;

namespace LeapEngine.Cli.Check.Runners;

/// <summary>
/// --local: the engine in-process on the model the config names (a model id or path, resolved as every local command
/// resolves it) — the same <see cref="AttributionEngine"/> call the server's attribution job makes, so the figures match.
/// </summary>
public sealed class LocalCaseRunner(CheckConfig config, LanguageModel model, StatusLine status) : ICaseRunner
{
    public string Describe => $"local {model.Id}";

    public Task<CaseRun> RunAsync(CheckCase c, CancellationToken ct)
    {
        var request = CaseRequest.ToEngine(config, c);
        try
        {
            request.Validate(model);
        }
        catch (ArgumentException e)
        {
            throw new CheckConfigException(c.At, $"{c.Name}: {e.Message}");
        }
        var progress = status.For<ProgressUpdate>(p => $"{c.Name}: {p.Done}/{p.Total} {p.Unit}");
        var result = AttributionEngine.Run(model, request, progress, ct);
        var system = result.SystemPrompt ?? throw new InvalidOperationException("the engine reported no system-prompt influence");
        return Task.FromResult(new CaseRun(result.CompletionText, system.LogProbDrop, system.AttributionShare,
            result.Units.Select(u => new UnitScore(u.Segment, u.Start, u.Length, u.Score)).ToList()));
    }

    public void Dispose() => model.Dispose();
}
