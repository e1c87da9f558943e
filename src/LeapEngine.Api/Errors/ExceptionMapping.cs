using System.Data.Common;
using LeapEngine.Jobs.Models;
using LeapEngine.Jobs.Submission;
using Microsoft.AspNetCore.Diagnostics;

namespace LeapEngine.Api.Errors;

/// <summary>
/// Turns exceptions that escape an endpoint into problem responses: bad input is a 4xx, a
/// database outage a 503 with Retry-After (the app recovers by itself when the database
/// returns), and only a genuine bug a 500.
/// </summary>
public sealed class ExceptionMapping(ILogger<ExceptionMapping> log) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        var problem = Map(exception);
        if (problem.StatusCode == 500) log.LogError(exception, "Request failed with {Status}", problem.StatusCode);
        // A known outage (database, missing model) is the operator's to fix, not a bug: no stack trace at Error.
        else if (problem.StatusCode > 500) log.LogWarning("Request refused with {Status}: {Message}", problem.StatusCode, exception.Message);
        else log.LogInformation("Request refused with {Status}: {Message}", problem.StatusCode, exception.Message);
        await problem.ExecuteAsync(context);
        return true;
    }

    public static ProblemResult Map(Exception e) => e switch
    {
        BadHttpRequestException { StatusCode: 413 } => Problems.PayloadTooLarge(null),
        BadHttpRequestException b => Problems.Validation(b.Message),
        SubmissionException s => FromSubmission(s),
        ServedModelUnavailableException m => Problems.ModelUnavailable(m.ModelId, m.Message),
        ArgumentException a => Problems.Validation(a.Message),
        DbException or TimeoutException => Problems.Unavailable("the database is unavailable; retry shortly"),
        InvalidOperationException { InnerException: DbException or TimeoutException } =>
            Problems.Unavailable("the database is unavailable; retry shortly"),
        _ when e.GetType().Name == "RetryLimitExceededException" => Problems.Unavailable("the database is unavailable; retry shortly"),
        _ => Problems.Internal(),
    };

    public static ProblemResult FromSubmission(SubmissionException s) => s.Error switch
    {
        SubmissionError.InvalidRequest => Problems.Validation(s.Message, s.Field),
        SubmissionError.NotFound => Problems.NotFound(s.Message),
        SubmissionError.ModelNotAllowed => Problems.Forbidden(s.Message),
        SubmissionError.QuotaExceeded => Problems.QuotaExceeded(s.Message),
        SubmissionError.IdempotencyKeyReused => Problems.IdempotencyMismatch(),
        _ => Problems.Unavailable(s.Message),
    };
}
