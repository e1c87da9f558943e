namespace LeapEngine.Cli.Check.Reports;

/// <summary>Paths as CI systems want them in annotations: relative to the checkout ($GITHUB_WORKSPACE, else the working folder), with '/'.</summary>
public static class Paths
{
    public static string ForCi(string path)
    {
        var root = Environment.GetEnvironmentVariable("GITHUB_WORKSPACE");
        if (string.IsNullOrWhiteSpace(root)) root = Environment.CurrentDirectory;
        var relative = Path.GetRelativePath(root, Path.GetFullPath(path));
        return (relative.StartsWith("..", StringComparison.Ordinal) ? Path.GetFullPath(path) : relative).Replace('\\', '/');
    }
}
