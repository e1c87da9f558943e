using System.Text.Json.Nodes;

namespace LeapEngine.Cli.Server;

/// <summary>
/// Submits one job (with an Idempotency-Key, so a retried submission never starts a second job), follows it over the
/// event stream to its end and returns its id and result; a job that failed or was cancelled is a <see cref="ServerException"/>
/// with its error code. When the caller gives up (a timeout, Ctrl+C) the job is cancelled rather than left spending the
/// tenant's quota. Shared by <c>leap check</c> and <c>leap attribute --server</c>.
/// </summary>
public static class SubmittedJob
{
    /// <param name="what">What the job is, for messages ("case1: the attribution job").</param>
    public static async Task<(string Id, JsonObject Result)> RunAsync(LeapApiClient client, StatusLine status, string route, JsonObject body, string what,
        CancellationToken ct)
    {
        var submitted = await client.PostJsonAsync(route, body, $"leap-{Guid.NewGuid():N}", ct);
        var id = JobsApi.Str(submitted, "id");
        if (id.Length == 0) throw new ServerException($"the server at {client.BaseAddress} accepted {what} but sent no job id");
        JsonObject job;
        try
        {
            job = await new JobFollower(client, status).FollowAsync(id, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try { await client.PostJsonAsync($"v1/jobs/{id}/cancel", quick.Token); } catch (Exception e) when (e is ServerException or OperationCanceledException) { }
            throw;
        }
        if (JobsApi.Str(job, "status") != "succeeded")
        {
            var error = job["error"] as JsonObject;
            throw new ServerException($"{what} {id} {JobsApi.Str(job, "status")}" + (error is null ? "" : $" ({error["code"]}: {error["message"]})"));
        }
        return (id, job["result"] as JsonObject ?? throw new ServerException($"{what} {id} succeeded without a result"));
    }
}
