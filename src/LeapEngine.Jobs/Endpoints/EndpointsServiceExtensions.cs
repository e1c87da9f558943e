using LeapEngine.Core.BlackBox.Outbound;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LeapEngine.Jobs.Endpoints;

public static class EndpointsServiceExtensions
{
    /// <summary>
    /// Tenants' endpoints for every process with the job machinery (API and worker): the outbound policy (validated at
    /// start), the secrets' protector, the HTTP caller and <see cref="ITenantEndpoints"/>.
    /// </summary>
    public static IServiceCollection AddLeapEndpoints(this IServiceCollection services)
    {
        services.AddOptions<OutboundOptions>().BindConfiguration(OutboundOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.Problem() is null, "Leap:Outbound:AllowedRanges must be CIDR ranges, e.g. 10.8.0.0/16 or fd00::/8")
            .ValidateOnStart();
        // Tests replace the resolver to make a name resolve to a private address.
        services.TryAddSingleton<IHostResolver>(DnsHostResolver.Instance);
        services.AddSingleton<EndpointSecrets>();
        services.AddSingleton<EndpointCalls>();
        services.AddSingleton<ITenantEndpoints, DbTenantEndpoints>();
        return services;
    }
}
