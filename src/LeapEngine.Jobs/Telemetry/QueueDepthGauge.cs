using System.Diagnostics.Metrics;
using Hangfire;
using LeapEngine.Jobs.Models;
using LeapEngine.Jobs.Scheduling;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LeapEngine.Jobs.Telemetry;

/// <summary>
/// leap.queue.depth{queue}: entries waiting on each job queue (every priority of every served class),
/// read from the job storage when metrics are collected (a scrape), so an idle process queries nothing.
/// An autoscaler reads the same number from SQL (deploy/kubernetes, KEDA's postgresql trigger).
/// </summary>
/// <remarks>A hosted service only so that it exists from the start; its meter comes from the host's factory, so
/// a host that stops (tests start several) takes its callback with it.</remarks>
public sealed class QueueDepthGauge : Microsoft.Extensions.Hosting.IHostedService
{
    public QueueDepthGauge(IMeterFactory meters, JobStorage storage, IOptions<ModelsOptions> models, ILogger<QueueDepthGauge> log)
    {
        var queues = JobQueues.All(models.Value, blackBox: true);
        meters.Create(LeapTelemetry.Name).CreateObservableGauge("leap.queue.depth", () =>
        {
            try
            {
                var monitor = storage.GetMonitoringApi();
                return queues.Select(q => new Measurement<long>(monitor.EnqueuedCount(q), new KeyValuePair<string, object?>("queue", q))).ToList();
            }
            catch (Exception e)
            {
                log.LogWarning("Queue depth not measured: the job storage did not answer ({Error})", e.Message);
                return [];
            }
        }, description: "Jobs waiting on each queue");
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
