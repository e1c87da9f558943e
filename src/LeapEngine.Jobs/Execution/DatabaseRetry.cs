using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace LeapEngine.Jobs.Execution;

/// <summary>
/// Retries a write a job cannot afford to lose (its outcome, its requeue) through a database
/// outage of up to about half a minute. The EF Core execution strategy already rides out blips
/// of a few seconds; this covers a restart. What still fails is thrown, and the reconciler
/// repairs the row once the database is back.
/// </summary>
internal static class DatabaseRetry
{
    private static readonly TimeSpan[] Delays = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4),
        TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(15)];

    public static async Task<T> RunAsync<T>(Func<Task<T>> write, ILogger log)
    {
        for (int i = 0; ; i++)
        {
            try
            {
                return await write();
            }
            catch (Exception e) when (i < Delays.Length && IsTransient(e))
            {
                log.LogWarning("Database unavailable while saving a job's state ({Error}); trying again in {Delay}", e.GetType().Name, Delays[i]);
                await Task.Delay(Delays[i]);
            }
        }
    }

    private static bool IsTransient(Exception e) => e switch
    {
        // Not PostgresException's refusals (a NUL in text, a constraint): retrying those never succeeds.
        NpgsqlException n => n.IsTransient,
        TimeoutException or System.Net.Sockets.SocketException => true,
        Microsoft.EntityFrameworkCore.Storage.RetryLimitExceededException => true,
        DbUpdateException or InvalidOperationException when e.InnerException is { } inner => IsTransient(inner),
        _ => false,
    };
}
