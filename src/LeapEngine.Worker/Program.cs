using LeapEngine.Data;
using LeapEngine.Jobs;
using LeapEngine.Jobs.Telemetry;
using OpenTelemetry.Metrics;

// LeapEngine worker: a Hangfire server on the shared PostgreSQL database. It owns a pool of
// loaded models on its device and runs the queues of the model classes it is given
// (Leap__Jobs__Classes__0=small ...; default: every served class). Scale out by starting more.
// Settings (appsettings*.json, JSON console logs included) come from the program's own folder whatever the
// working directory, so `dotnet /opt/leap/worker/LeapEngine.Worker.dll` started from anywhere reads its own.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = HostContentRoot.For(args) });
var data = builder.Configuration.GetSection(DataOptions.Section).Get<DataOptions>() ?? new DataOptions();
if (!data.IsPostgres)
{
    Console.Error.WriteLine("leap-worker: set Leap__Database__Provider=postgres and Leap__Database__ConnectionString; " +
                            "the standalone (sqlite) mode runs jobs inside the API process instead");
    return 2;
}
builder.Services.AddLeapData(builder.Configuration);
builder.Services.AddLeapJobs(builder.Configuration, runServer: true);
// Metrics on a port of the worker's own (Leap:Telemetry:MetricsPort; no endpoint when 0): the worker serves no other HTTP.
var telemetry = builder.Configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
builder.Services.AddLeapTelemetry(builder.Configuration, metrics: m =>
{
    if (telemetry.MetricsPort > 0) m.AddPrometheusHttpListener(o =>
    {
        o.Port = telemetry.MetricsPort;
        // The exporter builds its prefix through Uri, which refuses HttpListener's "every interface" host "+": set it here.
        o.ConfigureHttpListener = (_, listener) =>
        {
            listener.Prefixes.Clear();
            listener.Prefixes.Add($"http://{telemetry.MetricsHost}:{telemetry.MetricsPort}/");
        };
    });
});

await builder.Build().RunAsync();
return 0;
