namespace LeapEngine.Cli.Tests.Check;

/// <summary>A temporary folder holding a check config (and whatever sits next to it: a system-prompt file, a baseline).</summary>
public sealed class TempConfig : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("leap-check-").FullName;

    public string Path(string name = "leap.yaml") => System.IO.Path.Combine(Dir, name);

    /// <summary>Writes <paramref name="yaml"/> (and returns its path).</summary>
    public string Write(string yaml, string name = "leap.yaml")
    {
        File.WriteAllText(Path(name), yaml.Replace("\r\n", "\n"));
        return Path(name);
    }

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}
