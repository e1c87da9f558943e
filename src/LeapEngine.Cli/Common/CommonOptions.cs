using System.CommandLine;

namespace LeapEngine.Cli;

/// <summary>Options shared by the commands, so each one spells and documents them the same way.</summary>
public static class CommonOptions
{
    public static readonly Option<string?> ModelsDir = new("--models-dir")
    {
        Description = "Local models folder (default: $LEAP_MODELS_DIR, else ~/.local/share/leapengine/models)",
        Recursive = true,
    };

    public static readonly Option<bool> Offline = new("--offline")
    {
        Description = "Never download; use only local and cached files (also: LEAP_OFFLINE=1)",
        Recursive = true,
    };

    public static readonly Option<string> Device = new("--device")
    {
        Description = "Where to run: cpu, cuda or cuda:N",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("LEAP_DEVICE") ?? "cpu",
        Recursive = true,
    };

    public static IEnumerable<Option> Global => [ModelsDir, Offline, Device];

    /// <summary>--model ID: a built-in id, an owner/name hub repo, or a folder/.bin path.</summary>
    public static Option<string> Model() => new("--model", "-m")
    {
        Description = "Model id (stories260K, gpt2, owner/name) or a path to a model folder or llama2.c .bin",
        Required = true,
    };

    public static Option<string?> Text(string description = "Prompt text") => new("--text", "-t") { Description = description };

    public static Option<long> Seed() => new("--seed") { Description = "Random seed (same seed, same result)", DefaultValueFactory = _ => 0 };
}
