using System.Text.Json;
using LeapEngine.Core.BlackBox.Client;
using LeapEngine.Core.BlackBox.Probe;
using LeapEngine.Data.Entities;

namespace LeapEngine.Jobs.Endpoints;

/// <summary>Registered endpoints' public ids, and the mapping between a stored row and what a call needs.</summary>
public static class EndpointStore
{
    public const string IdPrefix = "ep_";

    public static string PublicId(Guid id) => $"{IdPrefix}{id:N}";

    public static Guid? ParsePublicId(string? value) =>
        value is not null && value.StartsWith(IdPrefix, StringComparison.Ordinal)
        && Guid.TryParseExact(value.AsSpan(IdPrefix.Length), "N", out var id) ? id : null;

    /// <summary>The spec a call needs, with the secrets decrypted (in memory only).</summary>
    public static EndpointSpec Spec(EndpointRecord row, EndpointSecrets secrets) => new()
    {
        BaseUrl = new Uri(row.BaseUrl),
        Model = row.Model,
        ApiKey = secrets.UnprotectKey(row.TenantId, row.Id, row.ApiKeyProtected),
        Headers = secrets.UnprotectHeaders(row.TenantId, row.Id, row.HeadersProtected),
        MaxConcurrency = row.MaxConcurrency,
        Timeout = TimeSpan.FromSeconds(row.TimeoutSeconds),
    };

    public static string[] HeaderNames(EndpointRecord row) => JsonSerializer.Deserialize<string[]>(row.HeaderNamesJson) ?? [];

    /// <summary>Some route answered: chat (determinism was measured) or completions with the prompt's log-probs. A probe that
    /// found nothing usable is not stored: the next job (or probe) should try again.</summary>
    public static bool Usable(EndpointCapabilities c) =>
        c.DeterministicAtTemperatureZero is not null || c.CompletionsEcho || c.PromptLogprobs;

    public static string WriteCapabilities(EndpointCapabilities capabilities) => JsonSerializer.Serialize(capabilities, LeapJson.Options);

    // The stored JSON carries the computed best_mode too; it is recomputed on read, not bound. One instance: options
    // cache the type's contract, and this is read for every listed endpoint and every black-box job.
    private static readonly JsonSerializerOptions CapabilitiesReader =
        new(LeapJson.Options) { UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Skip };

    /// <summary>The stored probe result; null when never probed (or voided by a change).</summary>
    public static EndpointCapabilities? ReadCapabilities(string? json) =>
        json is null ? null : JsonSerializer.Deserialize<EndpointCapabilities>(json, CapabilitiesReader);
}
