using LeapEngine.Jobs.Optimisation;

namespace LeapEngine.Api.Apis;

/// <summary>POST /v1/optimisations: find a prompt that makes the model say a target (a job); every reported prompt is verified.</summary>
public static class OptimisationsApi
{
    public static IEndpointRouteBuilder MapOptimisationsApi(this IEndpointRouteBuilder app)
    {
        app.MapJobSubmission<PromptOptimisationJobRequest>("/v1/optimisations")
            .WithTags("Prompt optimisation")
            .WithName("CreateOptimisation")
            .WithSummary("Find a prompt that makes the model produce a target (a job)")
            .WithDescription("Queues a prompt-optimisation job (embedding descent, GCG or the hybrid; progress in steps) and answers 202 " +
                             "with the job object. The result lists verified prompts, each with the greedy generation that proves it, " +
                             "the step it was found at, the target log-probability and the prompt's perplexity.");
        return app;
    }
}
