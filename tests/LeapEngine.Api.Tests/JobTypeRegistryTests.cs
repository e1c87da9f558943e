using LeapEngine.Jobs;
using LeapEngine.Jobs.Attribution;
using LeapEngine.Jobs.Generation;
using LeapEngine.Jobs.Handlers;
using LeapEngine.Jobs.Optimisation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace LeapEngine.Api.Tests;

/// <summary>A job type's name is written once, at its registration; routes find it from their request class.</summary>
public sealed class JobTypeRegistryTests
{
    private static JobTypeRegistry Registry(Action<IServiceCollection> register)
    {
        var services = new ServiceCollection();
        register(services);
        return services.BuildServiceProvider().GetRequiredService<JobTypeRegistry>();
    }

    [Fact]
    public void The_product_registers_each_request_class_for_one_named_job_type()
    {
        var services = new ServiceCollection();
        services.AddLeapJobs(new ConfigurationBuilder().Build(), runServer: false);
        var registry = services.BuildServiceProvider().GetRequiredService<JobTypeRegistry>();
        Assert.Equal("attribution", registry.NameOf<AttributionJobRequest>());
        Assert.Equal("prompt_optimisation", registry.NameOf<PromptOptimisationJobRequest>());
        Assert.Equal(registry.All.Count, registry.All.Select(t => t.RequestType).Distinct().Count());
    }

    [Fact]
    public void A_request_class_registered_for_two_job_types_stops_the_host_naming_both()
    {
        var registry = () => Registry(s => s
            .AddJobHandler<GenerationRequest, GenerationHandler>("generation")
            .AddJobHandler<GenerationRequest, GenerationHandler>("generation_again"));
        var e = Assert.Throws<InvalidOperationException>(registry);
        Assert.Contains("'generation', 'generation_again'", e.Message);
    }

    [Fact]
    public void A_route_for_a_request_class_no_job_type_takes_is_an_error_that_says_how_to_register_it()
    {
        var registry = Registry(s => s.AddJobHandler<GenerationRequest, GenerationHandler>("generation"));
        var e = Assert.Throws<InvalidOperationException>(() => registry.NameOf<AttributionJobRequest>());
        Assert.Contains("AddJobHandler<AttributionJobRequest, THandler>", e.Message);
    }
}
