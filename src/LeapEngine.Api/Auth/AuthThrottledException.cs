namespace LeapEngine.Api.Auth;

/// <summary>The authentication failure of a client that must wait: the challenge answers 429 with Retry-After, not 401.</summary>
public sealed class AuthThrottledException(TimeSpan wait) : Exception("too many failed authentication attempts from this address")
{
    public int RetryAfterSeconds { get; } = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
}
