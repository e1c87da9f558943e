using System.Text.Json;
using LeapEngine.Core.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LeapEngine.Jobs.Handlers;

/// <summary>A registered job type, with its request type erased so the runner can dispatch on the stored type name.</summary>
public sealed class JobType(string name, Type requestType, Type handlerType)
{
    public string Name { get; } = name;
    public Type RequestType { get; } = requestType;
    public Type HandlerType { get; } = handlerType;

    internal Func<JobValidation, object, CancellationToken, ValueTask<JobEstimate>> Validate { get; init; } = null!;
    internal Func<IServiceProvider, JobExecution, object, LanguageModel, IProgress<ProgressUpdate>, CancellationToken, Task<JobOutput>> Run { get; init; } = null!;

    public IJobRequest Deserialize(string json) =>
        (IJobRequest)(JsonSerializer.Deserialize(json, RequestType, LeapJson.Options)
                      ?? throw new JsonException("the request body is null"));
}

/// <summary>Every job type this process knows, by name.</summary>
public sealed class JobTypeRegistry(IEnumerable<JobType> types)
{
    private readonly Dictionary<string, JobType> _types = types.ToDictionary(t => t.Name, StringComparer.Ordinal);

    public IReadOnlyCollection<JobType> All => _types.Values;
    public JobType? Find(string name) => _types.GetValueOrDefault(name);
}

public static class JobHandlerRegistration
{
    /// <summary>
    /// THE registration point for a method job. Example, once the engines land:
    /// <code>
    /// services.AddJobHandler&lt;AttributionRequest, AttributionHandler&gt;("attribution");
    /// services.AddJobHandler&lt;DictionaryBuildRequest, DictionaryBuildHandler&gt;("dictionary_build");
    /// services.AddJobHandler&lt;InfluenceCheckRequest, InfluenceCheckHandler&gt;("system_prompt_influence");
    /// services.AddJobHandler&lt;PromptOptimisationRequest, PromptOptimisationHandler&gt;("prompt_optimisation");
    /// </code>
    /// and, in the API, one <c>Apis/&lt;Resource&gt;Api.cs</c> calling <c>MapJobSubmission&lt;TRequest&gt;</c>.
    /// The type name is stored with each job, so never rename a registered type.
    /// </summary>
    public static IServiceCollection AddJobHandler<TRequest, THandler>(this IServiceCollection services, string type)
        where TRequest : class, IJobRequest
        where THandler : class, IJobHandler<TRequest>
    {
        if (string.IsNullOrWhiteSpace(type) || type.Any(c => !(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_')))
            throw new ArgumentException($"job type '{type}' must be lowercase letters, digits and '_'", nameof(type));
        services.AddScoped<THandler>();
        services.AddSingleton(new JobType(type, typeof(TRequest), typeof(THandler))
        {
            Validate = (context, request, ct) => context.Services.GetRequiredService<THandler>().ValidateAsync(context, (TRequest)request, ct),
            Run = (sp, job, request, model, progress, ct) =>
                sp.GetRequiredService<THandler>().RunAsync(job, (TRequest)request, model, progress, ct),
        });
        services.TryAddSingleton<JobTypeRegistry>();
        return services;
    }
}
