using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace LeapEngine.Jobs.Telemetry;

public static class TelemetryServiceExtensions
{
    /// <summary>
    /// OpenTelemetry with the engine's meter and activity source (and Hangfire's queue depth). Traces go to
    /// OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set; activities exist either way, so logs carry each job's
    /// trace id. <paramref name="metrics"/> and <paramref name="tracing"/> let a host add its exporter and
    /// instrumentation (the API: ASP.NET Core and Prometheus on /metrics).
    /// </summary>
    public static IServiceCollection AddLeapTelemetry(this IServiceCollection services, IConfiguration configuration,
        Action<MeterProviderBuilder>? metrics = null, Action<TracerProviderBuilder>? tracing = null)
    {
        services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHostedService<QueueDepthGauge>();
        bool otlp = !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        services.AddOpenTelemetry()
            .WithMetrics(m =>
            {
                m.AddMeter(LeapTelemetry.Name);
                metrics?.Invoke(m);
            })
            .WithTracing(t =>
            {
                t.AddSource(LeapTelemetry.Name);
                tracing?.Invoke(t);
                if (otlp) t.AddOtlpExporter();
            });
        return services;
    }
}
