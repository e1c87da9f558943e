using Hangfire;
using LeapEngine.Api.Hosting;
using LeapEngine.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LeapEngine.Api.Apis;

/// <summary>/healthz: the process answers. /readyz: the database answers and a worker's heartbeat is recent.</summary>
public static class HealthApi
{
    public sealed record Readiness(string Status, bool Database, int Workers, string? Detail);

    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Ok(new { status = "ok" })).WithTags("Health").AllowAnonymous();
        app.MapGet("/readyz", ReadyAsync).WithTags("Health").AllowAnonymous()
            .Produces<Readiness>().Produces<Readiness>(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static async Task<IResult> ReadyAsync(HttpContext context, LeapDbContext db, JobStorage storage, IOptions<ApiOptions> options)
    {
        bool database;
        try { database = await db.Database.CanConnectAsync(context.RequestAborted); }
        catch (Exception) { database = false; }
        int workers = 0;
        string? detail = null;
        try
        {
            var cutoff = DateTime.UtcNow.AddSeconds(-options.Value.WorkerHeartbeatSeconds);
            workers = storage.GetMonitoringApi().Servers().Count(s => s.Heartbeat is { } h && (h.Kind == DateTimeKind.Local ? h.ToUniversalTime() : h) >= cutoff);
        }
        catch (Exception e) { detail = $"job storage: {e.Message}"; }
        if (!database) detail = "database unreachable";
        else if (workers == 0) detail ??= "no worker has sent a heartbeat recently";
        var ready = database && workers > 0;
        var body = new Readiness(ready ? "ready" : "not_ready", database, workers, detail);
        return ready ? TypedResults.Ok(body) : TypedResults.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
