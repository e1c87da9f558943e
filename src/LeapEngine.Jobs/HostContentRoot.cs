namespace LeapEngine.Jobs;

/// <summary>
/// The content root of the API and worker hosts: the program's own folder, where its appsettings*.json lie, so a
/// host started from any directory (dotnet run from the repository root, a service unit, a shell elsewhere) reads
/// its own settings. A content root the caller names (--contentRoot, ASPNETCORE_CONTENTROOT, DOTNET_CONTENTROOT;
/// the functional tests' host factory passes one) is left alone. The working directory is unchanged, so relative
/// paths in settings and environment variables still resolve against the caller's directory.
/// </summary>
public static class HostContentRoot
{
    /// <summary>The folder to pass as ContentRootPath, or null to keep the one the caller chose.</summary>
    public static string? For(string[] args)
    {
        bool named = args.Any(a => a.TrimStart('-', '/').StartsWith("contentRoot", StringComparison.OrdinalIgnoreCase))
                     || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_CONTENTROOT"))
                     || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOTNET_CONTENTROOT"));
        return named ? null : AppContext.BaseDirectory;
    }
}
