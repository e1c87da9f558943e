using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace LeapEngine.Cli.Server;

/// <summary>
/// The server's job objects as the CLI reads and prints them. The CLI keeps the server's JSON as it came (so --json
/// prints exactly the API's snake_case object) and reads only the few fields it shows.
/// </summary>
public static class JobsApi
{
    public static async Task<JsonObject> GetAsync(LeapApiClient client, string id, CancellationToken ct)
    {
        try
        {
            return await client.GetJsonAsync($"v1/jobs/{Uri.EscapeDataString(id)}", ct);
        }
        catch (ServerException e) when (e.Status == HttpStatusCode.NotFound)
        {
            throw NotFound(client, id);
        }
    }

    public static ServerException NotFound(LeapApiClient client, string id) =>
        new($"no job '{id}' for this API key on {client.BaseAddress} (404; ids look like job_…, and another tenant's job is not visible)",
            HttpStatusCode.NotFound);

    public static bool IsFinal(JsonObject job) => Str(job, "status") is "succeeded" or "failed" or "cancelled";

    public static string Str(JsonObject job, string name) => job[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : "";

    private static long? Long(JsonNode? node) => node is JsonValue v && v.TryGetValue<long>(out var l) ? l : null;

    /// <summary>"12/32 tokens (37%)", "queued, position 2", or "".</summary>
    public static string ProgressText(JsonObject job)
    {
        if (Str(job, "status") == "queued")
            return Long(job["queue_position"]) is { } position ? $"(position {position} among your queued jobs)" : "";
        var progress = job["progress"] as JsonObject;
        long done = Long(progress?["done"]) ?? 0, total = Long(progress?["total"]) ?? 0;
        if (total <= 0) return done > 0 ? $"{done} {progress?["unit"]}".TrimEnd() : "";
        var unit = progress?["unit"] is JsonValue u ? " " + u : "";
        var message = progress?["message"] is JsonValue m ? $" — {m}" : "";
        return $"{done}/{total}{unit} ({100.0 * done / total:0}%){message}";
    }

    public static string Time(JsonNode? unixSeconds) =>
        Long(unixSeconds) is { } s ? DateTimeOffset.FromUnixTimeSeconds(s).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "-";

    /// <summary>The readable form of one job: one field a line.</summary>
    public static string Summary(JsonObject job)
    {
        var text = new StringBuilder();
        void Line(string label, string value) => text.Append($"{label + ":",-11}").AppendLine(value);
        Line("id", Str(job, "id"));
        Line("type", Str(job, "type"));
        Line("status", Str(job, "status") + (job["cancel_requested"] is JsonValue c && c.TryGetValue<bool>(out var r) && r && !IsFinal(job)
            ? " (cancel requested)" : ""));
        Line("model", Str(job, "model"));
        Line("created", Time(job["created_at"]));
        if (job["started_at"] is not null) Line("started", Time(job["started_at"]));
        if (job["finished_at"] is not null)
        {
            var took = Long(job["finished_at"]) - Long(job["started_at"] ?? job["created_at"]);
            Line("finished", Time(job["finished_at"]) + (took is { } t ? $" (took {t} s)" : ""));
        }
        if (ProgressText(job) is { Length: > 0 } progress) Line("progress", progress);
        if (job["usage"] is JsonObject usage)
        {
            var used = Long(usage["model_tokens"]);
            var reserved = Long(usage["reserved_model_tokens"]);
            Line("usage", used is { } u ? $"{u} model tokens (reserved {reserved})" : $"{reserved} model tokens reserved");
        }
        if (job["error"] is JsonObject error) Line("error", $"{error["code"]}: {error["message"]}");
        if (job["result"] is JsonObject result)
            Line("result", $"{string.Join(", ", result.Select(p => p.Key))} (the whole result: leap jobs show {Str(job, "id")} --json)");
        return text.ToString();
    }

    /// <summary>A table of jobs, newest first as the server lists them.</summary>
    public static string Table(JsonArray jobs)
    {
        var rows = jobs.OfType<JsonObject>().Select(j => new[]
        {
            Str(j, "id"), Str(j, "type"), Str(j, "status"), Str(j, "model"), Time(j["created_at"]), ProgressText(j),
        }).ToList();
        string[] header = ["ID", "TYPE", "STATUS", "MODEL", "CREATED", "PROGRESS"];
        var widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        var text = new StringBuilder();
        foreach (var row in rows.Prepend(header))
            text.AppendLine(string.Join("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
        return text.ToString();
    }
}
