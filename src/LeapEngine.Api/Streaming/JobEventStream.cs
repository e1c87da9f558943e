using System.Text.Json;
using LeapEngine.Api.Contracts;
using LeapEngine.Api.Errors;
using LeapEngine.Data;
using LeapEngine.Data.Entities;
using LeapEngine.Jobs;
using Microsoft.Extensions.Options;

namespace LeapEngine.Api.Streaming;

/// <summary>
/// GET /v1/jobs/{id}/events as server-sent events. Every event carries the whole job object:
/// <c>progress</c> on each change, then one <c>done</c>. A stream also ends with <c>reconnect</c>
/// (it reached Leap:Api:Streams:MaxStreamSeconds, or the server is stopping; EventSource
/// reconnects after the <c>retry:</c> it was sent and the first event it then gets is the
/// current state) or <c>revoked</c> (its key was revoked, so the reconnect gets 401).
/// Event ids count on from the Last-Event-ID a reconnecting client sends.
/// </summary>
public static class JobEventStream
{
    public static async Task RunAsync(HttpContext context, LeapDbContext db, JobRecord job)
    {
        var options = context.RequestServices.GetRequiredService<IOptionsMonitor<StreamOptions>>().CurrentValue;
        var stopping = context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        HeldJob? held = null;
        // A finished job is one event: nothing to hold, so it takes no slot.
        if (!JobStatus.IsFinal(job.Status))
        {
            (held, var refused) = await HeldJob.OpenAsync(context, db, job);
            if (refused is not null)
            {
                await Problems.WriteAsync(context, refused);
                return;
            }
            job = held!.Job;
        }
        using (held)
        {
            var ct = context.RequestAborted;
            context.Response.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache";
            context.Response.Headers["X-Accel-Buffering"] = "no";
            long sequence = long.TryParse(context.Request.Headers["Last-Event-ID"], out var lastId) && lastId >= 0 ? lastId : 0;
            try
            {
                await WriteAsync(context, $"retry: {options.ReconnectDelayMs}\n\n", ct);
                await FollowAsync(context, held, job, options, stopping, () => ++sequence);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { /* the client left */ }
        }
    }

    private static async Task FollowAsync(HttpContext context, HeldJob? held, JobRecord job, StreamOptions options,
        CancellationToken stopping, Func<long> nextId)
    {
        var ct = context.RequestAborted;
        using var end = CancellationTokenSource.CreateLinkedTokenSource(ct, stopping);
        end.CancelAfter(TimeSpan.FromSeconds(options.MaxStreamSeconds));
        (string, long, long, bool)? last = null;
        while (true)
        {
            var state = (job.Status, job.ProgressDone, job.ProgressTotal, job.CancelRequested);
            bool final = JobStatus.IsFinal(job.Status);
            if (state != last)
            {
                await WriteEventAsync(context, nextId(), final ? "done" : "progress", JobView.From(job), ct);
                last = state;
            }
            if (final || held is null) return;

            using var beat = CancellationTokenSource.CreateLinkedTokenSource(end.Token);
            beat.CancelAfter(TimeSpan.FromSeconds(options.KeepAliveSeconds));
            var next = await held.Watcher.NextAsync(job, beat.Token);
            if (next is not null) job = next;
            else if (ct.IsCancellationRequested) return;
            else if (held.Watcher.KeyRevoked)
            {
                await WriteEventAsync(context, nextId(), "revoked",
                    new { type = "/problems/unauthorized", detail = "the API key was revoked; this stream is closed" }, ct);
                return;
            }
            else if (end.IsCancellationRequested)
            {
                await WriteEventAsync(context, nextId(), "reconnect",
                    new { reason = stopping.IsCancellationRequested ? "server_stopping" : "max_duration", retry_ms = options.ReconnectDelayMs }, ct);
                return;
            }
            else await WriteAsync(context, ": keep-alive\n\n", ct);
        }
    }

    private static Task WriteEventAsync(HttpContext context, long id, string name, object data, CancellationToken ct) =>
        WriteAsync(context, $"id: {id}\nevent: {name}\ndata: {JsonSerializer.Serialize(data, LeapJson.Options)}\n\n", ct);

    private static async Task WriteAsync(HttpContext context, string text, CancellationToken ct)
    {
        await context.Response.WriteAsync(text, ct);
        await context.Response.Body.FlushAsync(ct);
    }
}
