using LeapEngine.Api.Auth;
using LeapEngine.Jobs.Models;
using Microsoft.Extensions.Options;

namespace LeapEngine.Api.OpenAi;

/// <summary>
/// The OpenAI-compatible routes (docs/openai.md): POST /v1/chat/completions and POST /v1/completions,
/// synchronous and bounded, on the same keys, scopes, plans and rate limits as the rest of the API.
/// GET /v1/models (Apis/ModelsApi.cs) lists the served models and aliases in a shape both clients read.
/// </summary>
public static class OpenAiApi
{
    public static IServiceCollection AddLeapOpenAi(this IServiceCollection services)
    {
        services.AddOptions<OpenAiOptions>().BindConfiguration(OpenAiOptions.Section).ValidateDataAnnotations()
            .Validate<IOptions<ModelsOptions>>((o, models) => ServedTargets.Problem(o, models.Value) is null,
                "a Leap:OpenAi:Aliases entry names a model that is not served, or has a served model's name (see the log)")
            .ValidateOnStart();
        services.AddSingleton<ServedTargets>();
        services.AddSingleton<CompletionRunner>();
        services.AddScoped<ServeAdmission>();
        return services;
    }

    public static IEndpointRouteBuilder MapOpenAiApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1").WithTags("OpenAI-compatible").RequireAuthorization(LeapClaims.WritePolicy);
        group.MapPost("/chat/completions", (Delegate)ChatCompletionsEndpoint.HandleAsync).WithName("CreateChatCompletion")
            .WithSummary("OpenAI-compatible chat completion (synchronous; stream: true for server-sent events)")
            .Accepts<ChatCompletionRequest>("application/json")
            .Produces<ChatCompletionView>();
        group.MapPost("/completions", (Delegate)CompletionsEndpoint.HandleAsync).WithName("CreateCompletion")
            .WithSummary("OpenAI-compatible completion with echo, logprobs and vLLM's prompt_logprobs (synchronous)")
            .Accepts<CompletionRequest>("application/json")
            .Produces<CompletionView>();
        return app;
    }
}
