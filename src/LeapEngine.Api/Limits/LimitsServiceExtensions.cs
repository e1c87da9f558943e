using LeapEngine.Api.Auth;
using LeapEngine.Data;

namespace LeapEngine.Api.Limits;

public static class LimitsServiceExtensions
{
    /// <summary>
    /// Where rate-limit and failed-authentication counts live: the shared database on PostgreSQL (API
    /// replicas enforce one limit together), this process in standalone mode (one API process).
    /// </summary>
    public static IServiceCollection AddLeapLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var data = configuration.GetSection(DataOptions.Section).Get<DataOptions>() ?? new DataOptions();
        if (data.IsPostgres) services.AddSingleton<IRateCounter, DatabaseRateCounter>();
        else services.AddSingleton<IRateCounter, InMemoryRateCounter>();
        services.AddSingleton<IAuthFailureThrottle, AuthFailureThrottle>();
        return services;
    }
}
