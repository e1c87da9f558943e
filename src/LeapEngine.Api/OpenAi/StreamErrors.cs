using LeapEngine.Api.Errors;

namespace LeapEngine.Api.OpenAi;

/// <summary>
/// Errors of a streamed answer. Before the first byte they are ordinary problems (thrown on to the
/// endpoint's handling); once the stream has started the status is sent, so the error goes as one last
/// event, <c>data: {"error": {...}}</c>, which OpenAI's clients raise as an error, and the stream ends.
/// </summary>
public static class StreamErrors
{
    public static async Task RunAsync(SseWriter sse, ServeSession s, Func<Task> stream)
    {
        try
        {
            await stream();
        }
        catch (Exception e) when (sse.Started && !s.Aborted.IsCancellationRequested)
        {
            var problem = ExceptionMapping.Map(e);
            if (problem.StatusCode >= 500)
                s.Http.RequestServices.GetRequiredService<ILogger<SseWriter>>().LogError(e, "A streamed completion failed");
            problem.Problem.Extensions["request_id"] = s.Http.TraceIdentifier;
            await sse.WriteAsync(new { error = OpenAiErrors.ErrorOf(problem.Problem) }, CancellationToken.None);
        }
    }
}
