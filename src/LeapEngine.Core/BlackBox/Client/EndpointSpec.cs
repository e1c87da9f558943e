namespace LeapEngine.Core.BlackBox.Client;

/// <summary>
/// An OpenAI-compatible endpoint to call: what a tenant registers (the API stores the key
/// encrypted and builds this per job). <see cref="BaseUrl"/> is the URL the OpenAI SDKs take,
/// ending before <c>/chat/completions</c> (e.g. <c>https://api.openai.com/v1</c>).
/// </summary>
public sealed record EndpointSpec
{
    public const int MaxConcurrencyLimit = 64;
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromMinutes(10);

    public required Uri BaseUrl { get; init; }
    /// <summary>The model name the endpoint knows (the request's <c>model</c> field).</summary>
    public required string Model { get; init; }
    /// <summary>Sent as <c>Authorization: Bearer</c>; never logged, never in a result.</summary>
    public string? ApiKey { get; init; }
    /// <summary>Extra request headers (e.g. an organisation id); they may not override Authorization or Content-*.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
    /// <summary>Calls in flight at once to this endpoint.</summary>
    public int MaxConcurrency { get; init; } = 4;
    /// <summary>Per attempt: a call that takes longer is abandoned and retried.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Throws ArgumentException naming the field to fix.</summary>
    public void Validate()
    {
        if (BaseUrl is null || !BaseUrl.IsAbsoluteUri)
            throw new ArgumentException("base_url must be an absolute URL, e.g. https://api.openai.com/v1");
        if (BaseUrl.Scheme != Uri.UriSchemeHttps && BaseUrl.Scheme != Uri.UriSchemeHttp)
            throw new ArgumentException($"base_url must use http or https, not '{BaseUrl.Scheme}'");
        if (!string.IsNullOrEmpty(BaseUrl.UserInfo))
            throw new ArgumentException("base_url must not carry a user name or password; give the key as api_key");
        if (!string.IsNullOrEmpty(BaseUrl.Query) || !string.IsNullOrEmpty(BaseUrl.Fragment))
            throw new ArgumentException("base_url must not have a query or fragment");
        if (string.IsNullOrWhiteSpace(Model)) throw new ArgumentException("model is required: the model name the endpoint serves");
        if (MaxConcurrency < 1 || MaxConcurrency > MaxConcurrencyLimit)
            throw new ArgumentException($"max_concurrency must be between 1 and {MaxConcurrencyLimit}, got {MaxConcurrency}");
        if (Timeout <= TimeSpan.Zero || Timeout > MaxTimeout)
            throw new ArgumentException($"timeout must be above 0 and at most {MaxTimeout.TotalSeconds} seconds, got {Timeout.TotalSeconds}");
        foreach (var name in Headers.Keys)
            if (name.Equals("Authorization", StringComparison.OrdinalIgnoreCase) || name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase)
                || name.Equals("Host", StringComparison.OrdinalIgnoreCase))
                throw new ArgumentException($"header '{name}' is set by LeapEngine; give the key as api_key and leave {name} out");
    }

    /// <summary>An endpoint route under the base URL ("chat/completions"); a leading "/" means the server root (vLLM's /tokenize).</summary>
    public Uri Route(string path)
    {
        if (path.StartsWith('/')) return new Uri(BaseUrl, path);
        var root = BaseUrl.AbsoluteUri.EndsWith('/') ? BaseUrl : new Uri(BaseUrl.AbsoluteUri + "/");
        return new Uri(root, path);
    }

    /// <summary>Without the key: what may be shown or logged.</summary>
    public override string ToString() => $"{BaseUrl} model {Model}";
}
