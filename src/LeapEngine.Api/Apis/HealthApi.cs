using Hangfire;
using LeapEngine.Api.Hosting;
using LeapEngine.Data;
using LeapEngine.Jobs.Models;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LeapEngine.Api.Apis;

/// <summary>
/// /healthz: the process answers. /readyz: the database answers, a worker's heartbeat is recent, and at least
/// one served model can load (its files are here, or this server may download them).
/// </summary>
public static class HealthApi
{
    /// <param name="Models">Served models whose files are here (or downloadable), out of <paramref name="ServedModels"/>.</param>
    public sealed record Readiness(string Status, bool Database, int Workers, int Models, int ServedModels, string? Detail);

    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Ok(new { status = "ok" })).WithTags("Health").AllowAnonymous();
        app.MapGet("/readyz", ReadyAsync).WithTags("Health").AllowAnonymous()
            .Produces<Readiness>().Produces<Readiness>(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static async Task<IResult> ReadyAsync(HttpContext context, LeapDbContext db, JobStorage storage, IOptions<ApiOptions> options,
        ModelPool pool, IOptions<ModelsOptions> models)
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

        var served = models.Value.Served;
        var availability = new List<ModelAvailability>();
        foreach (var model in served) availability.Add(await pool.AvailabilityAsync(model.Id, context.RequestAborted));
        int loadable = availability.Count(a => a.CanLoad);

        if (!database) detail = "database unreachable";
        else if (workers == 0) detail ??= "no worker has sent a heartbeat recently";
        // Every served model missing: every job would be refused, so this instance cannot do its work.
        else if (loadable == 0) detail = "no served model can load: " + string.Join(" ", availability.Select(a => a.Reason));
        var ready = database && workers > 0 && loadable > 0;
        var body = new Readiness(ready ? "ready" : "not_ready", database, workers, loadable, served.Count, detail);
        return ready ? TypedResults.Ok(body) : TypedResults.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
