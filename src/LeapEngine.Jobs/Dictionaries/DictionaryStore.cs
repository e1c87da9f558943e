using System.Text.Json;
using LeapEngine.Core.Partitioning;
using LeapEngine.Data;
using LeapEngine.Data.Entities;
using LeapEngine.Jobs.Handlers;
using Microsoft.EntityFrameworkCore;

namespace LeapEngine.Jobs.Dictionaries;

/// <summary>A stored dictionary's readable part: metadata, intrinsic metrics and regions with examples.</summary>
public sealed record DictionarySummary(DictionaryInfo Info, DictionaryMetrics Metrics, IReadOnlyList<RegionSummary> Regions);

/// <summary>
/// Dictionaries in the database, always through their tenant. A dictionary is stored by the job
/// that builds it, under that job's id (a retry replaces it, never duplicates it), and is
/// visible once that job has succeeded (or after retention removed the job row).
/// </summary>
public static class DictionaryStore
{
    public static string PublicId(Guid id) => $"dict_{id:N}";

    public static Guid? ParsePublicId(string? value) =>
        value is not null && value.StartsWith("dict_", StringComparison.Ordinal) && Guid.TryParseExact(value.AsSpan(5), "N", out var id)
            ? id : null;

    /// <summary>The tenant's finished dictionaries.</summary>
    public static IQueryable<DictionaryRecord> Visible(LeapDbContext db, Guid tenantId) =>
        db.Dictionaries.AsNoTracking().Where(d => d.TenantId == tenantId
            && (d.JobId == null || !db.Jobs.Any(j => j.Id == d.JobId && j.Status != JobStatus.Succeeded)));

    /// <summary>The summary of a visible dictionary (no tensors loaded), or a 404 for a missing or foreign one.</summary>
    public static async Task<(Guid Id, string Model, DictionarySummary Summary)> FindAsync(LeapDbContext db, Guid tenantId, string? publicId,
        CancellationToken ct)
    {
        var id = ParsePublicId(publicId);
        var row = id is null ? null : await Visible(db, tenantId).Where(d => d.Id == id)
            .Select(d => new { d.Id, d.Model, d.RegionsJson }).SingleOrDefaultAsync(ct);
        if (row is null) throw new JobObjectNotFoundException($"dictionary '{publicId}'");
        return (row.Id, row.Model, ReadSummary(row.RegionsJson));
    }

    /// <summary>Loads the tensors of a dictionary a validated job names (it may have been deleted meanwhile).</summary>
    public static async Task<ExemplarDictionary> LoadAsync(LeapDbContext db, Guid tenantId, string? publicId, CancellationToken ct)
    {
        var id = ParsePublicId(publicId);
        var bytes = id is null ? null : await Visible(db, tenantId).Where(d => d.Id == id).Select(d => d.Tensors).SingleOrDefaultAsync(ct);
        if (bytes is null) throw new ArgumentException($"dictionary '{publicId}' no longer exists");
        return ExemplarDictionary.FromBytes(bytes);
    }

    public static DictionarySummary ReadSummary(string? json) =>
        JsonSerializer.Deserialize<DictionarySummary>(json ?? "null", LeapJson.Options)
        ?? throw new InvalidDataException("a stored dictionary has no summary");

    /// <summary>Stores (or, on a retry, replaces) the dictionary built by <paramref name="jobId"/>.</summary>
    public static async Task<DictionarySummary> SaveAsync(LeapDbContext db, Guid jobId, Guid tenantId, string? name, ExemplarDictionary dictionary,
        CancellationToken ct)
    {
        var summary = new DictionarySummary(dictionary.Info, PartitionMetrics.Compute(dictionary), dictionary.Regions());
        await db.Dictionaries.Where(d => d.Id == jobId && d.TenantId == tenantId).ExecuteDeleteAsync(ct);
        db.Dictionaries.Add(new DictionaryRecord
        {
            Id = jobId, TenantId = tenantId, Model = dictionary.Info.ModelId, HookPoint = dictionary.Info.Hook, Name = name, JobId = jobId,
            CreatedAt = DateTime.UtcNow, RegionsJson = JsonSerializer.Serialize(summary, LeapJson.Options), Tensors = dictionary.ToBytes(),
        });
        await db.SaveChangesAsync(ct);
        db.ChangeTracker.Clear();
        return summary;
    }
}
