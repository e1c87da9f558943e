namespace LeapEngine.Api.Tests.Infrastructure;

/// <summary>
/// The reliability campaign's tally. Campaign tests record what they tried and what broke an
/// invariant (a 5xx, a job left unfinished, usage over the plan, a cross-tenant read, a stream
/// over its cap); when LEAP_CAMPAIGN_OUT names a file, each record is appended to it as
/// "category|attempts|failures", and tests/reliability-campaign.sh turns the file into the table
/// in docs/reliability.md. Outside the campaign it only keeps the tally in memory.
/// </summary>
public static class CampaignLog
{
    private static readonly object Gate = new();

    public static void Record(string category, long attempts, long failures)
    {
        if (Environment.GetEnvironmentVariable("LEAP_CAMPAIGN_OUT") is not { Length: > 0 } path) return;
        lock (Gate) File.AppendAllText(path, $"{category}|{attempts}|{failures}\n");
    }
}
