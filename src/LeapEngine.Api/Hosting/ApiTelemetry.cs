using LeapEngine.Api.Auth;
using LeapEngine.Jobs.Telemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace LeapEngine.Api.Hosting;

public static class ApiTelemetry
{
    /// <summary>The engine's metrics and traces, ASP.NET Core's request spans, and a Prometheus exporter for /metrics.</summary>
    public static IServiceCollection AddLeapApiTelemetry(this IServiceCollection services, IConfiguration configuration) =>
        services.AddLeapTelemetry(configuration,
            metrics: m => m.AddPrometheusExporter(),
            tracing: t => t.AddAspNetCoreInstrumentation(o => o.Filter = ctx => ctx.Request.Path != "/metrics"));

    /// <summary>
    /// GET /metrics in the Prometheus text format, for the operator key only (a scraper sends it as a bearer
    /// token): queue depths and rejection counts describe every tenant's traffic.
    /// </summary>
    public static WebApplication MapLeapMetrics(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics").RequireAuthorization(LeapClaims.OperatorPolicy);
        return app;
    }
}
