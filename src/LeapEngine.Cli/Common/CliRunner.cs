using System.CommandLine;
using LeapEngine.Core.Runtime;
using LeapEngine.Core.Store;

namespace LeapEngine.Cli;

/// <summary>
/// Runs a command body: loads the model the way every command does, and turns any failure
/// into one clear line on stderr and a non-zero exit code (never a stack trace).
/// </summary>
public static class CliRunner
{
    public static void SetAction(Command command, Func<ParseResult, CancellationToken, Task<int>> body) =>
        command.SetAction(async (parse, ct) =>
        {
            try
            {
                return await body(parse, ct);
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine("leap: cancelled");
                return 130;
            }
            catch (Exception e) when (e is ArgumentException or InvalidDataException or NotSupportedException
                                          or FileNotFoundException or DirectoryNotFoundException or ModelNotAvailableException
                                          or IOException or InvalidOperationException or FormatException or UnauthorizedAccessException
                                          or LeapEngine.Cli.Server.ServerException or LeapEngine.Core.BlackBox.Client.EndpointException)
            {
                Console.Error.WriteLine($"leap: error: {e.Message}");
                return 1;
            }
        });

    public static ModelStore CreateStore(ParseResult parse)
    {
        var options = ModelStoreOptions.FromEnvironment();
        var dir = parse.GetValue(CommonOptions.ModelsDir);
        if (!string.IsNullOrWhiteSpace(dir)) options = options with { ModelsDir = Path.GetFullPath(dir) };
        if (parse.GetValue(CommonOptions.Offline)) options = options with { Offline = true };
        return new ModelStore(options);
    }

    /// <summary>Resolves (downloading with progress on stderr if needed) and loads the model.</summary>
    public static async Task<LanguageModel> LoadModelAsync(ParseResult parse, string idOrPath, CancellationToken ct)
    {
        using var store = CreateStore(parse);
        var device = DeviceSetting.Parse(parse.GetValue(CommonOptions.Device));
        var status = new StatusLine();
        var progress = status.For<DownloadProgress>(p =>
            $"downloading {p.File}: {p.BytesDone / 1024} KiB{(p.BytesTotal is long t ? $" of {t / 1024} KiB" : "")}");
        var model = await LanguageModel.LoadAsync(store, idOrPath, device, progress, ct);
        status.Clear();
        return model;
    }
}
