using LeapEngine.Core.Attribution;

namespace LeapEngine.Cli.Check.Runners;

/// <summary>The attribution request both runners make for a case, so a server run and a --local run measure the same thing.</summary>
public static class CaseRequest
{
    public static IReadOnlyList<PromptSegment> Segments(CheckConfig config, CheckCase c) =>
        [new PromptSegment(Figures.SystemSegment, config.SystemPrompt.Text), .. c.Messages.Select(m => new PromptSegment(m.Role, m.Content))];

    public static AttributionRequest ToEngine(CheckConfig config, CheckCase c) => new()
    {
        Segments = Segments(config, c),
        Template = config.Settings.Template,
        Method = config.Settings.Method,
        Unit = config.Settings.Unit,
        Perturbation = config.Settings.Perturbation,
        Completion = c.Completion,
        MaxNewTokens = config.Settings.MaxNewTokens,
    };
}
