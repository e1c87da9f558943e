namespace LeapEngine.Api.Contracts;

/// <summary>Public ids carry their kind ("job_…", "key_…", "ten_…"); anything unparsable is simply not found.</summary>
public static class PublicIds
{
    public static string Job(Guid id) => $"job_{id:N}";
    public static string Key(Guid id) => $"key_{id:N}";
    public static string Tenant(Guid id) => $"ten_{id:N}";

    public static Guid? Parse(string? value, string kind)
    {
        var prefix = kind + "_";
        return value is not null && value.StartsWith(prefix, StringComparison.Ordinal)
               && Guid.TryParseExact(value.AsSpan(prefix.Length), "N", out var id) ? id : null;
    }
}
