namespace LeapEngine.Data.Entities;

/// <summary>
/// An OpenAI-compatible endpoint a tenant registered (POST /v1/endpoints) for black-box jobs. The API key and the
/// extra headers' values are secrets: stored only as Data Protection payloads (<see cref="ApiKeyProtected"/>,
/// <see cref="HeadersProtected"/>), bound to this tenant and this endpoint, and decrypted in memory when a job or a
/// probe calls the endpoint. Header names are kept in clear so they can be shown. Deleting the row deletes the secrets.
/// </summary>
public sealed class EndpointRecord
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public string? Name { get; set; }
    /// <summary>The URL OpenAI's SDKs take, ending before /chat/completions (e.g. https://api.openai.com/v1).</summary>
    public required string BaseUrl { get; set; }
    /// <summary>The model name the endpoint serves (the request's "model").</summary>
    public required string Model { get; set; }
    /// <summary>The key, protected; null when the endpoint takes none.</summary>
    public string? ApiKeyProtected { get; set; }
    /// <summary>The extra headers' names, as a JSON array (shown); their values live only in <see cref="HeadersProtected"/>.</summary>
    public string HeaderNamesJson { get; set; } = "[]";
    /// <summary>The extra headers (names and values) as one protected JSON object; null when there are none.</summary>
    public string? HeadersProtected { get; set; }
    public int MaxConcurrency { get; set; }
    public int TimeoutSeconds { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    /// <summary>The last probe's capabilities as JSON (snake_case); null until probed or after a change that voids them.</summary>
    public string? CapabilitiesJson { get; set; }
    public DateTime? ProbedAt { get; set; }
}
