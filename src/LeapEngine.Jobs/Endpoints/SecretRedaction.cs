using LeapEngine.Core.BlackBox.Client;
using LeapEngine.Core.BlackBox.Probe;

namespace LeapEngine.Jobs.Endpoints;

/// <summary>
/// Removes an endpoint's secrets from text it sent back (error messages, probe notes) before the text is stored or
/// shown: servers quote the key they refused, often masked ("Incorrect API key provided: sk-abc1*****wxyz"), so any run
/// of <see cref="MinRun"/> or more characters that also occurs in a secret is replaced, not only the whole secret.
/// </summary>
public static class SecretRedaction
{
    /// <summary>Shorter runs occur by chance in ordinary text ("https://"); longer ones are taken to be the secret.</summary>
    public const int MinRun = 6;
    public const string Mark = "[redacted]";

    /// <summary>The secrets of <paramref name="spec"/>: its key and every extra header's value.</summary>
    public static IReadOnlyList<string?> SecretsOf(EndpointSpec spec) => [spec.ApiKey, .. spec.Headers.Values];

    /// <summary>A probe's findings with the endpoint's secrets taken out of its notes (the endpoint's own words), as they are stored.</summary>
    public static EndpointCapabilities Redact(EndpointCapabilities found, EndpointSpec spec)
    {
        var secrets = SecretsOf(spec);
        return found with { Notes = found.Notes.Select(n => Redact(n, secrets)).ToList() };
    }

    public static string Redact(string text, IEnumerable<string?> secrets)
    {
        var list = secrets.Where(s => s is { Length: >= MinRun }).Cast<string>().ToList();
        if (list.Count == 0 || string.IsNullOrEmpty(text)) return text;
        var result = new System.Text.StringBuilder(text.Length);
        int i = 0;
        while (i < text.Length)
        {
            int run = list.Max(secret => LongestRunAt(text, i, secret));
            if (run >= MinRun)
            {
                result.Append(Mark);
                i += run;
            }
            else result.Append(text[i++]);
        }
        return result.ToString();
    }

    /// <summary>The longest prefix of text[at..] that occurs somewhere in <paramref name="secret"/>.</summary>
    private static int LongestRunAt(string text, int at, string secret)
    {
        int best = 0;
        for (int j = 0; j < secret.Length; j++)
        {
            int n = 0;
            while (at + n < text.Length && j + n < secret.Length && text[at + n] == secret[j + n]) n++;
            best = Math.Max(best, n);
        }
        return best;
    }
}
