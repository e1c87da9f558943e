using LeapEngine.Core.Attribution;
using LeapEngine.Core.Runtime;
using LeapEngine.Core.Synthetic.Tasks;

namespace LeapEngine.Core.Synthetic.Bench;

/// <summary>Mean system-prompt influence figures of one model on prompts of one length.</summary>
public sealed record SystemPromptBenchRow(
    string Model, int ModelSeed, int Length, int Prompts, double MeanLogProbDrop, double MeanAttributionShare,
    double SystemWordTopRate, int ModelCorrect);

/// <summary>
/// The system-prompt influence figures (the drop when the system turn is left out, the system segment's share
/// of the attribution mass) on a system-rule model, whose answer depends on the system word, and on its control,
/// whose answer cannot: a faithful figure is large for the first and near zero for the second.
/// </summary>
public static class SystemPromptBench
{
    /// <param name="modelSeed">The model's training seed: the row's label, so rows of several models can be drawn together.</param>
    public static SystemPromptBenchRow Run(LanguageModel model, SystemRuleTask task, int modelSeed, int length, int prompts, int seed, CancellationToken ct = default)
    {
        var rng = BenchRandom.For(seed, length);
        var examples = Enumerable.Range(0, prompts).Select(_ => task.Sample(rng, length, rng.Next(2) == 0 ? task.RuleA : task.RuleB)).ToList();
        int correct = SyntheticEvaluator.Predict(model.Network, examples.Select(e => e.Tokens).ToList())
            .Where((a, i) => a == examples[i].Answer).Count();
        double drop = 0, share = 0, top = 0;
        foreach (var e in examples)
        {
            ct.ThrowIfCancellationRequested();
            var (system, user) = task.Segments(e);
            var result = AttributionEngine.Run(model, new AttributionRequest
            {
                System = system, Text = user, Template = "plain", Method = "itp", Unit = "word", MaxNewTokens = 1,
            }, ct: ct);
            var influence = result.SystemPrompt ?? throw new InvalidOperationException("the attribution has no system-prompt figures");
            drop += influence.LogProbDrop;
            share += influence.AttributionShare;
            top += result.Units.OrderByDescending(u => u.Score).First().Segment == "system" ? 1 : 0;
        }
        return new SystemPromptBenchRow(task.Name, modelSeed, length, prompts, drop / prompts, share / prompts, top / prompts, correct);
    }
}
