using System.CommandLine;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using LeapEngine.Cli.Server;

namespace LeapEngine.Cli.Commands;

/// <summary>
/// leap jobs list|show|wait|cancel — a LeapEngine server's jobs (LEAP_API_URL, key in LEAP_API_KEY). Exit codes: 0 done
/// (for wait: the job succeeded), 1 the job failed or was cancelled (wait) or had already finished (cancel), 2 the
/// command could not run (no URL or key, unreachable server, refused key, no such job, --timeout).
/// </summary>
public static class JobsCommand
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Create()
    {
        var command = new Command("jobs", "A LeapEngine server's jobs: list, show, wait for, cancel (server from $LEAP_API_URL, key from $LEAP_API_KEY)")
        {
            ServerOptions.ApiUrl, ServerOptions.ApiKeyEnv, ServerOptions.Retries,
        };
        command.Subcommands.Add(List());
        command.Subcommands.Add(Show());
        command.Subcommands.Add(Wait());
        command.Subcommands.Add(Cancel());
        return command;
    }

    private static Option<bool> Json(string what) => new("--json") { Description = $"Print {what} as the API's JSON (snake_case) instead of text" };

    private static Argument<string> Id() => new("id") { Description = "The job's id (job_…)" };

    private static Command List()
    {
        var limit = new Option<int>("--limit") { Description = "How many jobs, newest first (1..100)", DefaultValueFactory = _ => 20 };
        var after = new Option<string?>("--after") { Description = "The next page: the last id of the previous page" };
        var status = new Option<string?>("--status") { Description = "Only jobs with this status" };
        status.AcceptOnlyFromAmong("queued", "running", "succeeded", "failed", "cancelled");
        var type = new Option<string?>("--type") { Description = "Only jobs of this type (generation, attribution, system_prompt_influence, …)" };
        var json = Json("the list object (data, has_more, first_id, last_id)");
        var command = new Command("list", "List jobs, newest first") { limit, after, status, type, json };
        ServerOptions.SetAction(command, async (parse, ct) =>
        {
            if (parse.GetValue(limit) is < 1 or > 100) throw new ServerException("--limit must be between 1 and 100");
            var query = new List<string> { $"limit={parse.GetValue(limit)}" };
            if (parse.GetValue(after) is { } a) query.Add("after=" + Uri.EscapeDataString(a));
            if (parse.GetValue(status) is { } s) query.Add("status=" + s);
            if (parse.GetValue(type) is { } t) query.Add("type=" + Uri.EscapeDataString(t));
            using var client = ServerOptions.CreateClient(parse);
            var page = await client.GetJsonAsync("v1/jobs?" + string.Join('&', query), ct);
            if (parse.GetValue(json))
            {
                Console.WriteLine(page.ToJsonString(Indented));
                return ServerOptions.Succeeded;
            }
            var data = page["data"] as JsonArray ?? [];
            if (data.Count == 0) Console.WriteLine("no jobs");
            else Console.Write(JobsApi.Table(data));
            if (page["has_more"] is JsonValue more && more.GetValue<bool>())
                Console.Error.WriteLine($"more: leap jobs list --after {page["last_id"]}");
            return ServerOptions.Succeeded;
        });
        return command;
    }

    private static Command Show()
    {
        var id = Id();
        var json = Json("the job object, with its request and result");
        var command = new Command("show", "Show one job: status, progress, usage, error, and the result's fields") { id, json };
        ServerOptions.SetAction(command, async (parse, ct) =>
        {
            using var client = ServerOptions.CreateClient(parse);
            var job = await JobsApi.GetAsync(client, parse.GetValue(id)!, ct);
            Print(job, parse.GetValue(json));
            return ServerOptions.Succeeded;
        });
        return command;
    }

    private static Command Wait()
    {
        var id = Id();
        var json = Json("the final job object");
        var timeout = new Option<double>("--timeout")
        {
            Description = "Give up after this many seconds (exit 2; the job goes on); 0 waits as long as it takes",
            DefaultValueFactory = _ => 0,
        };
        var command = new Command("wait", "Follow a job until it is finished, progress on stderr; exit 0 succeeded, 1 failed or cancelled, 2 could not wait")
        {
            id, json, timeout,
        };
        ServerOptions.SetAction(command, async (parse, ct) =>
        {
            var seconds = parse.GetValue(timeout);
            if (seconds < 0 || double.IsNaN(seconds)) throw new ServerException("--timeout must be 0 (no limit) or a number of seconds");
            using var client = ServerOptions.CreateClient(parse);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            if (seconds > 0) deadline.CancelAfter(TimeSpan.FromSeconds(seconds));
            var status = new StatusLine();
            var follower = new JobFollower(client, status);
            JsonObject job;
            try
            {
                job = await follower.FollowAsync(parse.GetValue(id)!, deadline.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                status.Clear();
                var last = follower.Last is { } l ? $"; it is still {JobsApi.Str(l, "status")} {JobsApi.ProgressText(l)}".TrimEnd() : "";
                throw new ServerException($"timed out after {seconds:0.###} s waiting for {parse.GetValue(id)}{last} " +
                                          $"(it goes on; stop it with: leap jobs cancel {parse.GetValue(id)})");
            }
            status.Clear();
            Print(job, parse.GetValue(json));
            var final = JobsApi.Str(job, "status");
            if (final != "succeeded" && !parse.GetValue(json))
                Console.Error.WriteLine($"leap: job {JobsApi.Str(job, "id")} {final}" +
                                        (job["error"] is JsonObject e ? $": {e["code"]}: {e["message"]}" : ""));
            return final == "succeeded" ? ServerOptions.Succeeded : ServerOptions.Failed;
        });
        return command;
    }

    private static Command Cancel()
    {
        var id = Id();
        var json = Json("the job object after the cancel");
        var command = new Command("cancel", "Cancel a job (a queued one at once, a running one within seconds); exit 1 if it had already finished")
        {
            id, json,
        };
        ServerOptions.SetAction(command, async (parse, ct) =>
        {
            var jobId = parse.GetValue(id)!;
            using var client = ServerOptions.CreateClient(parse);
            JsonObject job;
            try
            {
                job = await client.PostJsonAsync($"v1/jobs/{Uri.EscapeDataString(jobId)}/cancel", ct);
            }
            catch (ServerException e) when (e.Status == HttpStatusCode.NotFound)
            {
                throw JobsApi.NotFound(client, jobId);
            }
            catch (ServerException e) when (e.Status == HttpStatusCode.Conflict)
            {
                var current = await JobsApi.GetAsync(client, jobId, ct);
                Console.Error.WriteLine($"leap: {jobId} had already finished ({JobsApi.Str(current, "status")}); nothing to cancel");
                if (parse.GetValue(json)) Console.WriteLine(current.ToJsonString(Indented));
                return ServerOptions.Failed;
            }
            if (parse.GetValue(json)) Console.WriteLine(job.ToJsonString(Indented));
            else if (JobsApi.Str(job, "status") == "cancelled") Console.WriteLine($"{jobId}: cancelled");
            else Console.WriteLine($"{jobId}: cancel requested; it is {JobsApi.Str(job, "status")} and stops within seconds (leap jobs wait {jobId})");
            return ServerOptions.Succeeded;
        });
        return command;
    }

    private static void Print(JsonObject job, bool json) => Console.Write(json ? job.ToJsonString(Indented) + Environment.NewLine : JobsApi.Summary(job));
}
