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
    /// <summary>False for black-box jobs (<see cref="IEndpointJobHandler{TRequest}"/>): no model is leased to run them.</summary>
    public bool UsesModel => Validate is not null;

    /// <summary>Set for model jobs.</summary>
    internal Func<JobValidation, object, CancellationToken, ValueTask<JobEstimate>>? Validate { get; init; }
    /// <summary>Set for black-box jobs.</summary>
    internal Func<EndpointJobValidation, object, CancellationToken, ValueTask<CallEstimate>>? ValidateEndpoint { get; init; }
    /// <summary>The model is null for black-box jobs.</summary>
    internal Func<IServiceProvider, JobExecution, object, LanguageModel?, IProgress<ProgressUpdate>, CancellationToken, Task<JobOutput>> Run { get; init; } = null!;

    public IJobRequest Deserialize(string json) =>
        (IJobRequest)(JsonSerializer.Deserialize(json, RequestType, LeapJson.Options)
                      ?? throw new JsonException("the request body is null"));
}

/// <summary>
/// Every job type this process knows, by name and by request type. The registration is the one place a type's name is
/// written: the API finds a route's job type from its request type (<see cref="NameOf{TRequest}"/>).
/// </summary>
public sealed class JobTypeRegistry
{
    private readonly Dictionary<string, JobType> _types;
    private readonly Dictionary<Type, JobType> _byRequest;

    public JobTypeRegistry(IEnumerable<JobType> types)
    {
        var all = types.ToList();
        // A name or a request type registered twice would make a stored job (or a route) ambiguous: refuse to start.
        foreach (var clash in all.GroupBy(t => t.Name).Where(g => g.Count() > 1))
            throw new InvalidOperationException($"job type '{clash.Key}' is registered {clash.Count()} times");
        foreach (var clash in all.GroupBy(t => t.RequestType).Where(g => g.Count() > 1))
            throw new InvalidOperationException(
                $"request type {clash.Key.Name} is registered for job types {string.Join(", ", clash.Select(t => $"'{t.Name}'"))}: give each job type its own request class");
        _types = all.ToDictionary(t => t.Name, StringComparer.Ordinal);
        _byRequest = all.ToDictionary(t => t.RequestType);
    }

    public IReadOnlyCollection<JobType> All => _types.Values;
    public JobType? Find(string name) => _types.GetValueOrDefault(name);

    /// <summary>The name of the job type that takes <typeparamref name="TRequest"/>.</summary>
    public string NameOf<TRequest>() where TRequest : class, IJobRequest => NameOf(typeof(TRequest));

    /// <summary>The name of the job type that takes requests of <paramref name="requestType"/>.</summary>
    public string NameOf(Type requestType) =>
        _byRequest.TryGetValue(requestType, out var type) ? type.Name
            : throw new InvalidOperationException($"no job type takes {requestType.Name}: register it with services.AddJobHandler<{requestType.Name}, THandler>(\"type\")");
}

public static class JobHandlerRegistration
{
    /// <summary>
    /// THE registration point for a method job, and the one place its name is written, e.g.
    /// <code>
    /// services.AddJobHandler&lt;AttributionJobRequest, AttributionHandler&gt;("attribution");
    /// services.AddJobHandler&lt;PromptOptimisationJobRequest, PromptOptimisationHandler&gt;("prompt_optimisation");
    /// </code>
    /// (all of them in <c>JobsServiceCollectionExtensions.AddLeapJobs</c>) and, in the API, one
    /// <c>Apis/&lt;Resource&gt;Api.cs</c> calling <c>MapJobSubmission&lt;TRequest&gt;(route)</c>, which finds the name from
    /// the request type. The type name is stored with each job, so never rename a registered type.
    /// </summary>
    public static IServiceCollection AddJobHandler<TRequest, THandler>(this IServiceCollection services, string type)
        where TRequest : class, IJobRequest
        where THandler : class, IJobHandler<TRequest>
    {
        CheckTypeName(type);
        services.AddScoped<THandler>();
        services.AddSingleton(new JobType(type, typeof(TRequest), typeof(THandler))
        {
            Validate = (context, request, ct) => context.Services.GetRequiredService<THandler>().ValidateAsync(context, (TRequest)request, ct),
            Run = (sp, job, request, model, progress, ct) =>
                sp.GetRequiredService<THandler>().RunAsync(job, (TRequest)request,
                    model ?? throw new InvalidOperationException($"job type '{type}' runs on a model and was given none"), progress, ct),
        });
        services.TryAddSingleton<JobTypeRegistry>();
        return services;
    }

    /// <summary>
    /// The registration point for a black-box job (one that calls a tenant's endpoint and loads no model), e.g.
    /// <c>services.AddEndpointJobHandler&lt;BlackBoxAttributionJobRequest, BlackBoxAttributionHandler&gt;("blackbox_attribution")</c>.
    /// The same rules as <see cref="AddJobHandler{TRequest, THandler}"/>: the name is stored with each job, never rename it.
    /// </summary>
    public static IServiceCollection AddEndpointJobHandler<TRequest, THandler>(this IServiceCollection services, string type)
        where TRequest : class, IEndpointJobRequest
        where THandler : class, IEndpointJobHandler<TRequest>
    {
        CheckTypeName(type);
        services.AddScoped<THandler>();
        services.AddSingleton(new JobType(type, typeof(TRequest), typeof(THandler))
        {
            ValidateEndpoint = (context, request, ct) => context.Services.GetRequiredService<THandler>().ValidateAsync(context, (TRequest)request, ct),
            Run = (sp, job, request, _, progress, ct) => sp.GetRequiredService<THandler>().RunAsync(job, (TRequest)request, progress, ct),
        });
        services.TryAddSingleton<JobTypeRegistry>();
        return services;
    }

    /// <summary>A job type name is stored with each job: lowercase letters, digits and '_'.</summary>
    private static void CheckTypeName(string type)
    {
        if (string.IsNullOrWhiteSpace(type) || type.Any(c => !(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_')))
            throw new ArgumentException($"job type '{type}' must be lowercase letters, digits and '_'", nameof(type));
    }
}
