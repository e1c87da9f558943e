using System.ComponentModel.DataAnnotations;

namespace LeapEngine.Jobs.Models;

/// <summary>Which models this deployment serves and where their files are (section Leap:Models).</summary>
public sealed class ModelsOptions
{
    public const string Section = "Leap:Models";

    /// <summary>Local models directory; empty means LEAP_MODELS_DIR or the store's default.</summary>
    public string? ModelsDir { get; set; }

    /// <summary>Never download from the hub at run time (the default: a server loads what was provisioned).</summary>
    public bool Offline { get; set; } = true;

    /// <summary>"cpu", "cuda" or "cuda:N": where the pool loads models.</summary>
    [Required] public string Device { get; set; } = "cpu";

    /// <summary>Models a client may name; the first is the default.</summary>
    public List<ServedModel> Served { get; set; } = [];

    /// <summary>Loaded copies kept per model (one per concurrently running job on it).</summary>
    [Range(1, 64)] public int MaxInstancesPerModel { get; set; } = 2;

    /// <summary>
    /// Bytes of model weights this process keeps loaded, in MiB (0: no limit). Past it, idle instances
    /// are unloaded least recently used first; a GPU worker sets it below its card's memory.
    /// </summary>
    [Range(0, 10_000_000)] public double MemoryBudgetMB { get; set; }

    public ServedModel? Find(string id) =>
        Served.FirstOrDefault(m => string.Equals(m.Id, id, StringComparison.OrdinalIgnoreCase));
}

/// <summary>A served model and its class: jobs are queued per class, so GPU workers can serve only the large ones.</summary>
public sealed class ServedModel
{
    [Required] public string Id { get; set; } = "";
    [Required, RegularExpression("^[a-z0-9]+$")] public string Class { get; set; } = "small";
    public string? Description { get; set; }
}
