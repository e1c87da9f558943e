using System.CommandLine;

namespace LeapEngine.Cli.Server;

/// <summary>
/// Options of the commands that talk to a LeapEngine server (`leap jobs`, `leap check`): where it is and which
/// environment variable holds the key (a key is never a flag, so it stays out of shell history and CI logs).
/// </summary>
public static class ServerOptions
{
    public const string UrlVariable = "LEAP_API_URL";
    public const string KeyVariable = "LEAP_API_KEY";

    public static readonly Option<string?> ApiUrl = new("--api-url")
    {
        Description = $"The server's base URL, e.g. https://leap.example.com (default: ${UrlVariable})",
        Recursive = true,
    };

    public static readonly Option<string> ApiKeyEnv = new("--api-key-env")
    {
        Description = "The environment variable that holds the API key",
        DefaultValueFactory = _ => KeyVariable,
        Recursive = true,
    };

    public static readonly Option<int> Retries = new("--retries")
    {
        Description = "Retries of a transient failure (connection refused, 502/503/504, 429) before giving up with exit 2; " +
                      "waits 0.5 s, 1 s, 2 s, … or the server's Retry-After",
        DefaultValueFactory = _ => LeapApiClient.DefaultRetries,
        Recursive = true,
    };

    /// <summary>Exit codes of the server commands, documented in docs/ci.md.</summary>
    public const int Succeeded = 0, Failed = 1, CouldNotRun = 2;

    /// <summary>A client for the server the options (or the environment) name; a missing URL or key is a <see cref="ServerException"/>.</summary>
    public static LeapApiClient CreateClient(ParseResult parse) =>
        CreateClient(parse.GetValue(ApiUrl), parse.GetValue(ApiKeyEnv) ?? KeyVariable, parse.GetValue(Retries));

    /// <param name="url">The server's URL (null: $LEAP_API_URL).</param>
    /// <param name="keyVariable">The environment variable that holds the key.</param>
    public static LeapApiClient CreateClient(string? url, string keyVariable, int retries)
    {
        if (string.IsNullOrWhiteSpace(url)) url = Environment.GetEnvironmentVariable(UrlVariable);
        if (string.IsNullOrWhiteSpace(url))
            throw new ServerException($"no server: set {UrlVariable} (e.g. http://127.0.0.1:8080) or give --api-url");
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new ServerException($"the server URL '{url}' is not an http(s) URL");
        var key = Environment.GetEnvironmentVariable(keyVariable);
        if (string.IsNullOrWhiteSpace(key))
            throw new ServerException($"no API key: ${keyVariable} is not set (the key the server printed at its first start, or one an operator created)");
        if (!uri.AbsoluteUri.EndsWith('/')) uri = new Uri(uri.AbsoluteUri + "/");
        if (retries is < 0 or > 20) throw new ServerException("--retries must be between 0 and 20");
        return new LeapApiClient(uri, key.Trim(), Console.Error, retries);
    }

    /// <summary>
    /// Runs a server command: a <see cref="ServerException"/> or an expired --timeout is one line on stderr and exit 2;
    /// Ctrl+C is 130.
    /// </summary>
    public static void SetAction(Command command, Func<ParseResult, CancellationToken, Task<int>> body) =>
        command.SetAction(async (parse, ct) =>
        {
            try
            {
                return await body(parse, ct);
            }
            catch (ServerException e)
            {
                Console.Error.WriteLine($"leap: error: {e.Message}");
                return CouldNotRun;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                Console.Error.WriteLine("leap: cancelled");
                return 130;
            }
        });
}
