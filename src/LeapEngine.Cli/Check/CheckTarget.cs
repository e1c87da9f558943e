namespace LeapEngine.Cli.Check;

/// <summary>What the check measures: a served model, or a model behind an OpenAI-compatible endpoint (black-box).</summary>
public abstract record CheckTarget(SourceLocation At);

/// <summary><c>model: stories260K</c>: a model the server serves (GET /v1/models), or with --local a model id or path.</summary>
public sealed record ServedModelTarget(string Model, SourceLocation At) : CheckTarget(At);

/// <summary>
/// <c>endpoint: ep_…</c> (registered on the server) or <c>endpoint: {base_url, api_key_env, model}</c> (inline; the key is
/// read from the named environment variable, never written in the file). A registered endpoint runs on the server (its
/// key is stored there); an inline one runs only with --local (the server's jobs take registered endpoints only).
/// </summary>
public sealed record EndpointTarget(string? EndpointId, Uri? BaseUrl, string? ApiKeyEnv, string? Model, SourceLocation At,
    SourceLocation? ApiKeyEnvAt = null) : CheckTarget(At)
{
    public bool IsRegistered => EndpointId is not null;
}
