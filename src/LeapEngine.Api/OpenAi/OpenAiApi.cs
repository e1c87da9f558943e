using LeapEngine.Api.Auth;
using LeapEngine.Core.Serving;
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
        services.AddOptions<OpenAiOptions>().BindConfiguration(OpenAiOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<OpenAiOptions>, AliasValidation>();
        services.AddSingleton<ServedTargets>();
        services.AddSingleton<ServeThreads>();
        services.AddSingleton<CompletionRunner>();
        services.AddSingleton(sp => new PromptCache(sp.GetRequiredService<IOptions<OpenAiOptions>>().Value.PromptCacheMegabytes * 1024L * 1024L));
        services.AddHostedService<PromptCacheGauges>();
        services.AddScoped<ServeAdmission>();
        return services;
    }

    /// <summary>Start-up check of the aliases against the served models; the failure names the setting to fix.</summary>
    private sealed class AliasValidation(IOptions<ModelsOptions> models) : IValidateOptions<OpenAiOptions>
    {
        public ValidateOptionsResult Validate(string? name, OpenAiOptions options) =>
            ServedTargets.Problem(options, models.Value) is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
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
