namespace LeapEngine.Cli.Check;

/// <summary>What the check measures: a served model, or (not yet supported) a black-box endpoint.</summary>
public abstract record CheckTarget(SourceLocation At);

/// <summary><c>model: stories260K</c>: a model the server serves (GET /v1/models), or with --local a model id or path.</summary>
public sealed record ServedModelTarget(string Model, SourceLocation At) : CheckTarget(At);

/// <summary>
/// <c>endpoint: ep_…</c> (registered on the server) or <c>endpoint: {base_url, api_key_env, model}</c> (inline; the key is
/// read from the named environment variable, never written in the file). Validated now, refused when run until the
/// server explains black-box endpoints.
/// </summary>
public sealed record EndpointTarget(string? EndpointId, Uri? BaseUrl, string? ApiKeyEnv, string? Model, SourceLocation At) : CheckTarget(At);
