using LeapEngine.Core.Optimisation;
using LeapEngine.Core.Runtime;
using LeapEngine.Jobs.Handlers;
using LeapEngine.Jobs.Metering;

namespace LeapEngine.Jobs.Optimisation;

/// <summary>
/// Prompt optimisation as a job: progress in steps (or in forward-token equivalents under a work
/// budget), cancellable within one step, metered in the forward positions the network ran plus
/// the positions each backward pass went back through (<see cref="ForwardTokenMeter"/> counts a
/// pass with gradients twice), and the engine's <see cref="OptimisationResult"/> (verified prompts
/// with their generations, and a plain summary when there are none) stored as the API's
/// <see cref="PromptOptimisationJobResult"/>.
/// </summary>
public sealed class PromptOptimisationHandler : IJobHandler<PromptOptimisationJobRequest>
{
    public ValueTask<JobEstimate> ValidateAsync(JobValidation validation, PromptOptimisationJobRequest r, CancellationToken ct)
    {
        var engine = Engine(validation.Model, r);
        var cost = OptimisationCost.For(validation.Model, engine);
        return ValueTask.FromResult(new JobEstimate(cost.SequenceTokens, cost.MaxTotal(engine.MaxWork)));
    }

    public Task<JobOutput> RunAsync(JobExecution job, PromptOptimisationJobRequest r, LanguageModel model, IProgress<ProgressUpdate> progress,
        CancellationToken ct)
    {
        var engine = Engine(model, r);
        using var meter = ForwardTokenMeter.Attach(model, job.Usage);
        return Task.FromResult(new JobOutput(PromptOptimisationJobResult.From(PromptOptimiser.Run(model, engine, progress, ct))));
    }

    /// <summary>
    /// The engine's request as the job runs it, the same at submission and in the worker: the
    /// request's own work budget, else <see cref="PromptOptimisationJobRequest.DefaultMaxWork"/>
    /// when its steps alone could cost more (the search then stops at that budget and its result
    /// says so). The reservation is sized from it, not from the steps' worst case.
    /// </summary>
    public static OptimisationRequest Engine(LanguageModel model, PromptOptimisationJobRequest r)
    {
        var engine = r.ToEngine();
        try
        {
            engine.Validate(model);
        }
        catch (ArgumentException e) when (e is not JobRequestException)
        {
            throw new JobRequestException("target", e.Message);
        }
        bool stepsCostMore = OptimisationCost.For(model, engine).WorstCaseSearch > PromptOptimisationJobRequest.DefaultMaxWork;
        return engine.MaxWork is null && stepsCostMore ? engine with { MaxWork = PromptOptimisationJobRequest.DefaultMaxWork } : engine;
    }
}
