namespace LeapEngine.Core.Tests;

/// <summary>
/// Locates the workplace's shared folder (models and reference fixtures) that lies beside
/// the repository: walks up from the test binaries to the repository root and looks for
/// "../shared". Only tests know about it; the product finds models through its store.
/// </summary>
public static class SharedFiles
{
    private static readonly Lazy<string?> Root = new(FindRoot);

    public static string? SharedDir => Root.Value;

    public static string ModelsDir => Path.Combine(Require(), "models");
    public static string FixturesDir => Path.Combine(Require(), "fixtures");

    public static string Fixture(params string[] parts) => Path.Combine([FixturesDir, .. parts]);
    public static string Model(params string[] parts) => Path.Combine([ModelsDir, .. parts]);

    private static string Require() =>
        SharedDir ?? throw new InvalidOperationException(
            "The shared folder (../shared beside the repository, with models/ and fixtures/) was not found; " +
            "set LEAP_SHARED_DIR to its path.");

    private static string? FindRoot()
    {
        var fromEnv = Environment.GetEnvironmentVariable("LEAP_SHARED_DIR");
        if (!string.IsNullOrEmpty(fromEnv) && Directory.Exists(fromEnv)) return Path.GetFullPath(fromEnv);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LeapEngine.sln")))
            {
                var shared = Path.Combine(dir.FullName, "..", "shared");
                return Directory.Exists(Path.Combine(shared, "models")) ? Path.GetFullPath(shared) : null;
            }
        }
        return null;
    }
}
