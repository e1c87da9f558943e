using System.Text.Json;
using LeapEngine.Core.Serialization;

namespace LeapEngine.Cli.Commands.Synth;

/// <summary>Reading back the JSON rows a benchmark wrote with --json, for redrawing its figures without a model.</summary>
internal static class BenchRows
{
    // A row type's constructor parameters are all required when read back: a file of other rows would otherwise read as rows of zeros.
    private static readonly JsonSerializerOptions Strict = new(SnakeCase.Indented) { RespectRequiredConstructorParameters = true };

    /// <summary>The rows of one file; a missing file or one that does not hold such rows is an error that names the file.</summary>
    public static T Read<T>(string file, string what) where T : class
    {
        if (!File.Exists(file)) throw new ArgumentException($"--rows: no file {file}");
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(file), Strict)
                ?? throw new ArgumentException($"--rows: {file} holds no {what}");
        }
        catch (JsonException e) { throw new ArgumentException($"--rows: {file} does not hold {what} ({e.Message})"); }
    }

    /// <summary>"LABEL=FILE" names the file's series; a bare "FILE" is labelled by its name without the extension.</summary>
    public static (string Label, string File) Labelled(string spec)
    {
        int at = spec.IndexOf('=');
        if (at == 0 || at == spec.Length - 1) throw new ArgumentException($"--rows: '{spec}' must be FILE or LABEL=FILE");
        return at > 0 ? (spec[..at].Trim(), spec[(at + 1)..].Trim()) : (Path.GetFileNameWithoutExtension(spec), spec);
    }
}
