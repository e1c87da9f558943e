using LeapEngine.Core.Optimisation.Methods;
using LeapEngine.Core.Runtime;

namespace LeapEngine.Core.Optimisation;

/// <summary>
/// Finds discrete prompts that make a model say a target: embedding descent, GCG, or the
/// hybrid (sequential: descent, then GCG from the descent readout; chain or anchored: GCG with
/// descent's readouts among its exactly scored trials), each a plug-in of <see cref="PromptSearchMethods"/>.
/// The entry point jobs and the CLI call.
/// </summary>
public static class PromptOptimiser
{
    /// <summary>
    /// Runs the search. Progress is reported once per step: against the work budget (unit
    /// "forward-token equivalents") when <see cref="OptimisationRequest.MaxWork"/> is set, else
    /// against the steps (unit "steps"); cancellation throws
    /// <see cref="OperationCanceledException"/> within one step. Invalid requests throw
    /// <see cref="ArgumentException"/> before any work. The same request and seed give the same result.
    /// </summary>
    public static OptimisationResult Run(LanguageModel model, OptimisationRequest request,
        IProgress<ProgressUpdate>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(request);
        using var problem = new OptimisationProblem(model, request);   // validates the request first
        var method = PromptSearchMethods.For(request.Search);
        using var random = new SeededRandom(request.Seed);
        using var init = new Initialiser(problem, random);
        var log = new SearchLog(problem, new PromptVerifier(problem), progress, ct);
        method.Search(new SearchRun(problem, log, init, random));
        return log.Finish();
    }

    /// <summary>Steps of embedding descent before GCG takes over (all of them for descent, none for GCG and the interleaved hybrids).</summary>
    public static int DescentSteps(OptimisationRequest request) => PromptSearchMethods.For(request.Search).DescentSteps(request);
}
