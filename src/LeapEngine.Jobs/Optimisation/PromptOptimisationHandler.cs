using LeapEngine.Core.Optimisation;
using LeapEngine.Core.Runtime;
using LeapEngine.Jobs.Handlers;
using LeapEngine.Jobs.Metering;

namespace LeapEngine.Jobs.Optimisation;

/// <summary>
/// Prompt optimisation as a job: progress in steps (in forward-token equivalents under a work
/// budget), cancellable within one step, metered in
/// the forward positions the network ran plus the positions each backward pass went through,
/// and the engine's <see cref="OptimisationResult"/> (verified prompts with their generations) stored.
/// </summary>
public sealed class PromptOptimisationHandler : IJobHandler<PromptOptimisationJobRequest>
{
    public ValueTask<JobEstimate> ValidateAsync(JobValidation validation, PromptOptimisationJobRequest r, CancellationToken ct)
    {
        var engine = r.ToEngine();
        try
        {
            engine.Validate(validation.Model);
        }
        catch (ArgumentException e) when (e is not JobRequestException)
        {
            throw new JobRequestException("target", e.Message);
        }
        int sequence = SequenceLength(validation.Model, engine);
        return ValueTask.FromResult(new JobEstimate(sequence, MaxModelTokens(engine, sequence)));
    }

    public Task<JobOutput> RunAsync(JobExecution job, PromptOptimisationJobRequest r, LanguageModel model, IProgress<ProgressUpdate> progress,
        CancellationToken ct)
    {
        var engine = r.ToEngine();
        OptimisationResult result;
        using (ForwardTokenMeter.Attach(model, job.Usage))
            result = PromptOptimiser.Run(model, engine, progress, ct);
        // Each backward pass runs through the whole candidate batch once more.
        job.Usage.Add((long)result.BackwardPasses * engine.Candidates * SequenceLength(model, engine));
        return Task.FromResult(new JobOutput(result));
    }

    /// <summary>BOS + prefix + span + suffix + target tokens: the length every candidate runs at.</summary>
    private static int SequenceLength(LanguageModel model, OptimisationRequest r) =>
        (model.AddsBosByDefault ? 1 : 0) + model.Encode(r.Prefix, addBos: false).Count + r.Length
        + model.Encode(r.Suffix, addBos: false).Count + model.Encode(r.Target, addBos: false).Count;

    /// <summary>
    /// Upper bound per step: the candidates' forward and backward (and the interleaved hybrids'
    /// descent passes), GCG's exact scoring of search-width substitutions per candidate, and
    /// verification by generation; plus the final re-check. A work budget caps the search's
    /// own work (it counts at least what the meter does), so the bound is the smaller of the two
    /// plus what runs after the search: the re-check and the description of each prompt.
    /// </summary>
    private static long MaxModelTokens(OptimisationRequest r, int sequence)
    {
        long verify = (long)r.Candidates * (sequence + r.ExtraVerifyTokens + 8);
        bool interleaved = r.Method == OptimisationMethod.Hybrid && r.HybridVariant != HybridVariant.Sequential;
        // The reseed hybrid's descent steps also verify their readouts and score them exactly.
        long perDescentStep = 2L * r.Candidates * sequence + (r.HybridVariant == HybridVariant.Reseed ? (long)r.Candidates * sequence + verify : 0);
        long descent = interleaved ? r.HybridDescentSteps * perDescentStep : 0;
        long perStep = 2L * r.Candidates * sequence + descent + (long)r.Candidates * r.SearchWidth * sequence + verify;
        long bySteps = r.Steps * perStep + verify;
        if (r.MaxWork is not { } work) return bySteps;
        long afterSearch = (long)r.StopAfterSuccesses * (sequence + r.ExtraVerifyTokens + 8 + 2L * sequence);
        return Math.Min(bySteps, work + afterSearch);
    }
}
