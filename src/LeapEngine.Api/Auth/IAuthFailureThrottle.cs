using System.Net;

namespace LeapEngine.Api.Auth;

/// <summary>Counts failed authentications per client address and says when an address must wait.</summary>
public interface IAuthFailureThrottle
{
    /// <summary>How long <paramref name="client"/> must wait before a key it presents is checked again; null when it may try now.</summary>
    TimeSpan? RetryAfter(IPAddress client);

    /// <summary>Counts one failed authentication from <paramref name="client"/>.</summary>
    Task RecordFailureAsync(IPAddress client, CancellationToken ct);
}
