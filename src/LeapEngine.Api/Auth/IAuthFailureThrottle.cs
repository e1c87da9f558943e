using System.Net;

namespace LeapEngine.Api.Auth;

/// <summary>
/// Counts failed authentications per client address and says when an address must wait. The
/// one seam for where the counts live: in this process today (<see cref="InMemoryAuthFailureThrottle"/>);
/// shared across API replicas (the database or a cache) is another implementation of this interface.
/// </summary>
public interface IAuthFailureThrottle
{
    /// <summary>How long <paramref name="client"/> must wait before a key it presents is checked again; null when it may try now.</summary>
    TimeSpan? RetryAfter(IPAddress client);

    /// <summary>Counts one failed authentication from <paramref name="client"/>.</summary>
    void RecordFailure(IPAddress client);
}
