using LeapEngine.Api.Contracts;
using LeapEngine.Core.BlackBox.Probe;
using LeapEngine.Core.Serialization;
using LeapEngine.Data.Entities;
using LeapEngine.Jobs.Endpoints;

namespace LeapEngine.Api.Endpoints;

/// <summary>Body of POST /v1/endpoints: an OpenAI-compatible endpoint to explain models behind.</summary>
public sealed class CreateEndpointRequest
{
    /// <summary>A label of your own (at most 200 characters).</summary>
    public string? Name { get; set; }
    /// <summary>The URL OpenAI's SDKs take, ending before /chat/completions, e.g. https://api.openai.com/v1 (http or https).</summary>
    public string? BaseUrl { get; set; }
    /// <summary>The model name the endpoint serves (the "model" of its requests).</summary>
    public string? Model { get; set; }
    /// <summary>Sent as Authorization: Bearer. Write-only: stored encrypted, never returned or logged.</summary>
    public string? ApiKey { get; set; }
    /// <summary>Extra request headers (e.g. an organisation id); their values are secrets like the key: only the names are shown.</summary>
    public Dictionary<string, string>? Headers { get; set; }
    /// <summary>Calls in flight at once to this endpoint (1..64, default 4).</summary>
    public int? MaxConcurrency { get; set; }
    /// <summary>Seconds one call may take before it is abandoned and retried (1..600, default 60).</summary>
    public int? TimeoutSeconds { get; set; }
}

/// <summary>
/// Body of PATCH /v1/endpoints/{id}: only the fields given change. api_key or headers given as null remove them. The
/// base URL cannot change (the stored key would follow it to the new address): register a new endpoint instead.
/// </summary>
public sealed class UpdateEndpointRequest
{
    public string? Name { get; set; }
    /// <summary>Refused with a 400 if given: a base URL cannot change (register a new endpoint).</summary>
    public string? BaseUrl { get; set; }
    /// <summary>A new model name; voids the last probe.</summary>
    public string? Model { get; set; }
    /// <summary>A new key (rotation), or null to remove it.</summary>
    public string? ApiKey { get; set; }
    /// <summary>The complete new set of extra headers (replaces the old set), or null to remove them.</summary>
    public Dictionary<string, string>? Headers { get; set; }
    public int? MaxConcurrency { get; set; }
    public int? TimeoutSeconds { get; set; }
}

/// <summary>A registered endpoint as every route shows it: never the key nor a header's value.</summary>
public sealed record EndpointView(string Id, string Object, string? Name, string BaseUrl, string Model, bool HasApiKey,
    IReadOnlyList<string> HeaderNames, int MaxConcurrency, int TimeoutSeconds, long CreatedAt, long UpdatedAt, long? ProbedAt,
    EndpointCapabilitiesView? Capabilities)
{
    public static EndpointView From(EndpointRecord row) => new(EndpointStore.PublicId(row.Id), "endpoint", row.Name, row.BaseUrl,
        row.Model, row.ApiKeyProtected is not null, EndpointStore.HeaderNames(row), row.MaxConcurrency, row.TimeoutSeconds,
        ApiKeyView.Unix(row.CreatedAt), ApiKeyView.Unix(row.UpdatedAt), row.ProbedAt is { } p ? ApiKeyView.Unix(p) : null,
        EndpointStore.ReadCapabilities(row.CapabilitiesJson) is { } caps ? EndpointCapabilitiesView.From(caps) : null);
}

/// <summary>What the last probe measured, and the scoring mode a black-box attribution on this endpoint would pick.</summary>
public sealed record EndpointCapabilitiesView(bool ChatLogprobs, int TopLogprobs, bool CompletionsEcho, bool PromptLogprobs,
    bool Tokenize, bool? DeterministicAtTemperatureZero, string ScoringMode, IReadOnlyList<string> Notes, long Calls)
{
    public static EndpointCapabilitiesView From(EndpointCapabilities c) => new(c.ChatLogprobs, c.TopLogprobs, c.CompletionsEcho,
        c.PromptLogprobs, c.Tokenize, c.DeterministicAtTemperatureZero, SnakeCase.Name(c.BestMode), c.Notes, c.Calls);
}
