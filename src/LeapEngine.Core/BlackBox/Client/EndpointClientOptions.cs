namespace LeapEngine.Core.BlackBox.Client;

/// <summary>How hard the client tries. Operator settings, not tenant ones.</summary>
public sealed record EndpointClientOptions
{
    /// <summary>Retries of one call after a 429, a 5xx, a timeout or a broken connection.</summary>
    public int MaxRetries { get; init; } = 6;
    /// <summary>First backoff (exponential with jitter) when the endpoint gives no Retry-After.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Longest wait between attempts; a Retry-After asking for more fails the call instead of stalling the job.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Largest body read from an answer (prompt log-probs of a long prompt with top-k run to megabytes).</summary>
    public long MaxResponseBytes { get; init; } = 16 * 1024 * 1024;

    public void Validate()
    {
        if (MaxRetries is < 0 or > 100) throw new ArgumentException($"max retries must be between 0 and 100, got {MaxRetries}");
        if (BaseDelay < TimeSpan.Zero || MaxDelay < BaseDelay) throw new ArgumentException("retry delays must satisfy 0 <= base delay <= max delay");
        if (MaxResponseBytes < 1024) throw new ArgumentException("max response bytes must be at least 1024");
    }
}
