using LeapEngine.Core.BlackBox;
using LeapEngine.Core.BlackBox.Client;

namespace LeapEngine.Cli.Check.Runners;

/// <summary>
/// The black-box attribution both endpoint runners make for a case, and what a case run reads from its result, so a
/// registered endpoint on the server and an inline endpoint with --local measure the same thing the same way.
/// </summary>
public static class BlackBoxCase
{
    /// <summary>
    /// The messages [system prompt, the case's turns], no noise samples: the figures are differences of the same completion's
    /// score, and the check's repeats (with the baseline's bands) are its measure of the endpoint's wobble.
    /// </summary>
    public static BlackBoxAttributionRequest Request(CheckConfig config, CheckCase c) => new()
    {
        Messages = [new ChatMessage(Figures.SystemSegment, config.SystemPrompt.Text), .. c.Messages.Select(m => new ChatMessage(m.Role, m.Content))],
        Completion = c.Completion,
        Method = config.Settings.Method,
        Unit = config.Settings.Unit,
        Perturbation = config.Settings.Perturbation,
        Scoring = config.Settings.Scoring,
        Template = config.Settings.Template,
        MaxNewTokens = config.Settings.MaxNewTokens,
        NoiseSamples = 0,
    };

    /// <summary>The case's figures: the system message's influence, units by role (the system message's offsets are the
    /// prompt's, so spans apply as they do to a model), the user text's explained share, the mode that ran and the calls.</summary>
    public static CaseRun Run(BlackBoxAttributionResult r)
    {
        var system = r.SystemPrompt ?? throw new InvalidOperationException("the black-box attribution reported no system-prompt influence");
        return new CaseRun(r.CompletionText, system.LogProbDrop, system.AttributionShare,
            r.Units.Select(u => new UnitScore(u.Role, u.Start, u.Length, u.Score)).ToList(),
            r.UserText?.ExplainedShare, r.ScoringMode, r.Calls);
    }
}
