using LeapEngine.Core.Optimisation;
using LeapEngine.Core.Runtime;
using LeapEngine.Core.Tests.ModelSharing;

namespace LeapEngine.Core.Tests.Optimisation;

/// <summary>
/// The assembly's shared stories260K (<see cref="SharedModels"/>) and the check every search must pass.
/// Prompt optimisation runs forward passes and gradients to its own input embeddings only, so the
/// shared read-only instance serves every optimisation class at once.
/// </summary>
public sealed class StoriesFixture
{
    public LanguageModel Model => SharedModels.Stories;

    /// <summary>
    /// Runs the request twice and checks what every search must give: one verified prompt whose
    /// generation, redone from its ids, is the recorded one and contains the target, and the
    /// same search (loss curve and prompt) the second time. Returns both runs.
    /// </summary>
    public (OptimisationResult First, OptimisationResult Second) RunTwiceFindingOneVerifiedPrompt(OptimisationRequest request)
    {
        var a = PromptOptimiser.Run(Model, request);
        var success = Assert.Single(a.Successes);
        var generated = TextGenerator.Generate(Model.Network, success.FullPromptIds,
            new GenerationOptions { MaxNewTokens = success.GeneratedIds.Length }, Model.EosId);
        Assert.Equal(success.GeneratedIds, generated);
        Assert.True(TargetMatch.Appears(Model.DecodeContinuation(success.FullPromptIds, generated), request.Target, exact: false));
        var b = PromptOptimiser.Run(Model, request);
        Assert.Equal(a.BestTargetNllPerStep, b.BestTargetNllPerStep);
        Assert.Equal(success.PromptIds, b.Successes[0].PromptIds);
        return (a, b);
    }
}
