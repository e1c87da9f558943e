namespace LeapEngine.Data.Entities;

/// <summary>
/// An Exemplar Partitioning dictionary built by a job: its regions and exemplars as JSON and
/// its centroid tensors as safetensors bytes. Owned by a tenant like every other object.
/// </summary>
public sealed class DictionaryRecord
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public required string Model { get; set; }
    /// <summary>Hook point the activations came from, e.g. "blocks.3.hook_resid_post".</summary>
    public required string HookPoint { get; set; }
    public string? Name { get; set; }
    /// <summary>The job that built it.</summary>
    public Guid? JobId { get; set; }
    public DateTime CreatedAt { get; set; }
    public string? RegionsJson { get; set; }
    public byte[]? Tensors { get; set; }
}
