using LeapEngine.Core.Store;

namespace LeapEngine.Jobs.Models;

/// <summary>
/// A served model whose files are not on this server and cannot be fetched (offline, or the hub failed).
/// The message is written for the API's client and says how an operator provides the model; it names no
/// server path (those are in the inner exception, which goes to the log).
/// </summary>
public sealed class ServedModelUnavailableException(string modelId, string message, Exception inner) : Exception(message, inner)
{
    /// <summary>The served id the request named.</summary>
    public string ModelId { get; } = modelId;

    /// <summary>Whether <paramref name="e"/> means "the files are not here" (rather than a fault in the files).</summary>
    public static bool IsMissingFiles(Exception e) => e is ModelNotAvailableException or ModelDownloadException;

    /// <summary>The client-facing explanation for a store failure that <see cref="IsMissingFiles"/> accepts.</summary>
    public static ServedModelUnavailableException From(string modelId, Exception cause, bool offline)
    {
        var files = cause is ModelNotAvailableException { MissingFiles.Count: > 0 } m ? m.MissingFiles : ["its files"];
        var builtIn = BuiltInModels.Find(modelId);
        // llama2.c built-ins keep their repository paths under the models folder; any other model is a folder of its own.
        var where = builtIn is { Layout: ModelLayout.Llama2c }
            ? $"{Join(files)} under the models folder"
            : $"{Join(files)} in the folder '{modelId}' under the models folder";
        var why = offline
            ? "its files are not provisioned and this server does not download models"
            : "its files are not provisioned and the download from the hub failed";
        var allow = offline ? ", or allow downloads from the hub (Leap:Models:Offline=false)" : "";
        return new ServedModelUnavailableException(modelId,
            $"model '{modelId}' is not available on this server: {why}. An operator provides it by putting {where} " +
            $"(Leap:Models:ModelsDir or LEAP_MODELS_DIR){allow}; see docs/serving-models.md. GET /v1/models lists the models " +
            "that are available.", cause);
    }

    private static string Join(IReadOnlyList<string> items) =>
        items.Count <= 1 ? string.Join("", items) : $"{string.Join(", ", items.Take(items.Count - 1))} and {items[^1]}";
}
