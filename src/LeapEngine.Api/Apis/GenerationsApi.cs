using LeapEngine.Jobs.Generation;

namespace LeapEngine.Api.Apis;

/// <summary>POST /v1/generations: text generation as a job (progress in tokens, cancellable between tokens).</summary>
public static class GenerationsApi
{
    public static IEndpointRouteBuilder MapGenerationsApi(this IEndpointRouteBuilder app)
    {
        app.MapJobSubmission<GenerationRequest>("/v1/generations")
            .WithTags("Generations")
            .WithName("CreateGeneration")
            .WithSummary("Continue a prompt (a job)")
            .WithDescription("Queues a generation job and answers 202 with the job object; poll GET /v1/jobs/{id}?wait=30 " +
                             "or follow GET /v1/jobs/{id}/events. Example body: " +
                             "{\"model\": \"stories260K\", \"prompt\": \"Once upon a time\", \"max_tokens\": 32}");
        return app;
    }
}
