namespace LeapEngine.Core.BlackBox.Client;

/// <summary>Why an endpoint call failed, as the stable code a job's error carries.</summary>
public enum EndpointFailure
{
    /// <summary>The host is, or resolves to, a non-public address the operator has not allowed.</summary>
    Refused,
    /// <summary>The endpoint answered a 4xx that retrying cannot fix (bad key, unknown model, bad parameter).</summary>
    Rejected,
    /// <summary>429/5xx/timeouts/connection errors went on past the retries.</summary>
    Unavailable,
    /// <summary>The job's call budget is spent.</summary>
    CallBudgetExhausted,
    /// <summary>A 3xx: redirects are not followed.</summary>
    Redirect,
    /// <summary>The body was larger than the client accepts.</summary>
    ResponseTooLarge,
    /// <summary>The body was not the OpenAI shape asked for (or lacked the log-probs asked for).</summary>
    BadResponse,
}

/// <summary>An endpoint call that did not give a usable answer. The message says what happened and what to fix; it never holds the key.</summary>
public sealed class EndpointException(EndpointFailure failure, string message, int? status = null, Exception? inner = null)
    : Exception(message, inner)
{
    public EndpointFailure Failure { get; } = failure;
    /// <summary>The HTTP status of the last answer, if there was one.</summary>
    public int? Status { get; } = status;
    /// <summary>snake_case code for job errors: endpoint_refused, endpoint_unavailable, call_budget_exhausted...</summary>
    public string Code => Failure switch
    {
        EndpointFailure.CallBudgetExhausted => "call_budget_exhausted",
        _ => "endpoint_" + Serialization.SnakeCase.Name(Failure),
    };
}
