using System.ComponentModel.DataAnnotations;

namespace LeapEngine.Jobs.Telemetry;

/// <summary>Metrics and traces (section Leap:Telemetry).</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Leap:Telemetry";

    /// <summary>
    /// A worker's Prometheus scrape port (http://+:port/metrics); 0 = no endpoint. A port of its own rather
    /// than a key: the worker serves no other HTTP, and a cluster keeps the port off its Services (reachable
    /// by the scraper inside the pod network only). The API serves /metrics with the operator key instead.
    /// </summary>
    [Range(0, 65535)] public int MetricsPort { get; set; }

    /// <summary>The host name the worker's metrics listener binds ("+": every interface, what a pod needs; "localhost" to keep it local).</summary>
    [Required] public string MetricsHost { get; set; } = "+";
}
