using System.Text.Json;
using LeapEngine.Data.Entities;

namespace LeapEngine.Api.Contracts;

/// <summary>The job object (OpenAI batch / fine-tuning style). Times are Unix seconds.</summary>
public sealed record JobView(
    string Id,
    string Object,
    string Type,
    string Status,
    string Model,
    long CreatedAt,
    long? StartedAt,
    long? FinishedAt,
    JobProgressView Progress,
    int? QueuePosition,
    string? QueueState,
    JobUsageView Usage,
    JobErrorView? Error,
    bool CancelRequested,
    JsonElement Request,
    JsonElement? Result)
{
    /// <summary>Queue states of a queued job: a worker of its model class is up, or none is (yet).</summary>
    public const string Waiting = "waiting", Provisioning = "provisioning";

    /// <param name="workerUp">Whether a live worker reads the job's queue (null: unknown, or not asked).</param>
    public static JobView From(JobRecord j, int? queuePosition = null, bool? workerUp = null) => new(
        PublicIds.Job(j.Id), "job", j.Type, j.Status, j.Model,
        Unix(j.CreatedAt), Unix(j.StartedAt), Unix(j.FinishedAt),
        new JobProgressView(j.ProgressDone, j.ProgressTotal, j.ProgressUnit, j.ProgressMessage,
            j.ProgressTotal > 0 ? Math.Round(Math.Clamp((double)j.ProgressDone / j.ProgressTotal, 0, 1), 4) : 0),
        j.Status == JobStatus.Queued ? queuePosition : null,
        j.Status == JobStatus.Queued && workerUp is { } up ? (up ? Waiting : Provisioning) : null,
        JobUsageView.Of(j),
        j.ErrorCode is null ? null : new JobErrorView(j.ErrorCode, j.ErrorMessage ?? ""),
        j.CancelRequested,
        Parse(j.RequestJson) ?? default,
        j.ResultJson is null ? null : Parse(j.ResultJson));

    private static long? Unix(DateTime? t) => t is { } v ? new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Utc)).ToUnixTimeSeconds() : null;
    private static long Unix(DateTime t) => Unix((DateTime?)t)!.Value;

    private static JsonElement? Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.Clone();
    }
}

/// <param name="Fraction">done / total, 0 when the total is not known yet.</param>
public sealed record JobProgressView(long Done, long Total, string? Unit, string? Message, double Fraction);

/// <summary>What a job reserved and used, in its unit: model tokens, or endpoint calls for a black-box job (then the token figures are 0).</summary>
/// <param name="ReservedModelTokens">Upper bound reserved at submission.</param>
/// <param name="ModelTokens">Model tokens actually processed (forward and backward), once finished.</param>
/// <param name="Unit">model_tokens or endpoint_calls: what the job is metered in.</param>
/// <param name="ReservedEndpointCalls">A black-box job's call budget, reserved at submission.</param>
/// <param name="EndpointCalls">Calls it made (retries and the probe included), once finished.</param>
public sealed record JobUsageView(long ReservedModelTokens, long? ModelTokens, string Unit, long ReservedEndpointCalls, long? EndpointCalls)
{
    public static JobUsageView Of(JobRecord j) => j.UsageUnit == UsageUnits.EndpointCalls
        ? new(0, j.UsedTokens is null ? null : 0, j.UsageUnit, j.ReservedTokens, j.UsedTokens)
        : new(j.ReservedTokens, j.UsedTokens, j.UsageUnit, 0, j.UsedTokens is null ? null : 0);
}

public sealed record JobErrorView(string Code, string Message);

/// <summary>A page of a cursor-paginated list.</summary>
public sealed record ListView<T>(string Object, IReadOnlyList<T> Data, bool HasMore, string? FirstId, string? LastId);
