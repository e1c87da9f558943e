using System.Net;
using LeapEngine.Api.Errors;
using LeapEngine.Core.BlackBox.Client;
using LeapEngine.Core.BlackBox.Outbound;

namespace LeapEngine.Api.Endpoints;

/// <summary>
/// The checks an endpoint's fields pass before anything is stored, each failure a 400 naming the field: the shape
/// (<see cref="EndpointSpec.Validate"/>: http(s), no credentials or query in the URL, ranges), header names and values
/// that HTTP can carry, and the outbound policy on the base URL's host (a refused address literal, or a name that
/// resolves only to refused addresses, is turned away at registration; the connect-time check stays the real guard).
/// </summary>
public static class EndpointValidation
{
    public const int MaxHeaders = 20;
    public const int MaxHeaderNameChars = 100;
    public const int MaxSecretChars = 4096;
    public const int DefaultConcurrency = 4;
    public const int DefaultTimeoutSeconds = 60;
    private static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The spec the fields describe (key and headers included), or the 400 saying which field to fix.</summary>
    public static (EndpointSpec? Spec, ProblemResult? Problem) Spec(string? baseUrl, string? model, string? apiKey,
        IReadOnlyDictionary<string, string>? headers, int? maxConcurrency, int? timeoutSeconds, string? name)
    {
        if (name is { Length: > 200 }) return Fail("name must be at most 200 characters", "name");
        if (string.IsNullOrWhiteSpace(baseUrl)) return Fail("base_url is required, e.g. https://api.openai.com/v1", "base_url");
        if (baseUrl.Length > 2048) return Fail("base_url must be at most 2048 characters", "base_url");
        if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri))
            return Fail($"base_url must be an absolute URL, e.g. https://api.openai.com/v1", "base_url");
        if (model is { Length: > 200 }) return Fail("model must be at most 200 characters", "model");
        if (apiKey is not null && KeyProblem(apiKey) is { } keyProblem) return Fail(keyProblem, "api_key");
        if (headers is not null && HeadersProblem(headers) is { } headerProblem) return Fail(headerProblem, "headers");
        if (timeoutSeconds is < 1 or > 600) return Fail($"timeout_seconds must be between 1 and 600, got {timeoutSeconds}", "timeout_seconds");
        var spec = new EndpointSpec
        {
            BaseUrl = uri, Model = model ?? "", ApiKey = string.IsNullOrEmpty(apiKey) ? null : apiKey,
            Headers = headers ?? new Dictionary<string, string>(),
            MaxConcurrency = maxConcurrency ?? DefaultConcurrency,
            Timeout = TimeSpan.FromSeconds(timeoutSeconds ?? DefaultTimeoutSeconds),
        };
        try { spec.Validate(); }
        catch (ArgumentException e) { return Fail(e.Message, FieldOf(e.Message)); }
        return (spec, null);
    }

    /// <summary>Null when the base URL's host may be called under <paramref name="policy"/> (or cannot be resolved now), else the 400.</summary>
    public static async Task<ProblemResult?> OutboundProblemAsync(Uri baseUrl, OutboundPolicy policy, IHostResolver resolver, CancellationToken ct)
    {
        string host = baseUrl.IdnHost;
        var literal = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        IPAddress[] addresses;
        if (IPAddress.TryParse(literal, out var parsed)) addresses = [parsed];
        else
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(ResolveTimeout);
            // A name that does not resolve now may later (a deployment in progress): the probe will say.
            try { addresses = await resolver.ResolveAsync(host, timeout.Token); }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or OperationCanceledException && !ct.IsCancellationRequested) { return null; }
        }
        var refusals = addresses.Select(a => policy.Refusal(host, a) is { } why ? $"{a}: {why}" : null).ToList();
        if (addresses.Length == 0 || refusals.Any(r => r is null)) return null;
        return Problems.Validation($"base_url's host '{host}' is not on the public internet ({string.Join("; ", refusals)}); " +
                                   "endpoints may only call public addresses unless the operator allows the host or range (Leap:Outbound)", "base_url");
    }

    public static string? KeyProblem(string key)
    {
        if (key.Length > MaxSecretChars) return $"api_key must be at most {MaxSecretChars} characters";
        // It travels in an Authorization header: visible ASCII only (a line break would split the header).
        if (key.Any(c => c is < '!' or > '~')) return "api_key must be visible ASCII characters without spaces";
        return null;
    }

    public static string? HeadersProblem(IReadOnlyDictionary<string, string> headers)
    {
        if (headers.Count > MaxHeaders) return $"at most {MaxHeaders} extra headers";
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers)
        {
            if (name.Length is 0 or > MaxHeaderNameChars || !name.All(IsTokenChar))
                return $"header name '{Echo.Bound(name, 60)}' is not a valid HTTP header name (letters, digits and !#$%&'*+-.^_`|~, at most {MaxHeaderNameChars})";
            if (!seen.Add(name)) return $"header '{name}' is given twice (names are case-insensitive)";
            if (value.Length > MaxSecretChars) return $"header '{name}': the value must be at most {MaxSecretChars} characters";
            if (value.Any(c => c is < ' ' and not '\t' || c > '~')) return $"header '{name}': the value must be printable ASCII";
        }
        return null;
    }

    /// <summary>RFC 9110 tchar.</summary>
    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c);

    /// <summary>The field <see cref="EndpointSpec.Validate"/>'s message is about (it starts with the field's name).</summary>
    private static string FieldOf(string message) =>
        message.StartsWith("base_url", StringComparison.Ordinal) ? "base_url"
        : message.StartsWith("model", StringComparison.Ordinal) ? "model"
        : message.StartsWith("max_concurrency", StringComparison.Ordinal) ? "max_concurrency"
        : message.StartsWith("timeout", StringComparison.Ordinal) ? "timeout_seconds"
        : message.StartsWith("header", StringComparison.Ordinal) ? "headers"
        : "$";

    private static (EndpointSpec?, ProblemResult?) Fail(string detail, string field) => (null, Problems.Validation(detail, field));
}
