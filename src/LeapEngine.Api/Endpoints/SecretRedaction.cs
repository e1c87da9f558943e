namespace LeapEngine.Api.Endpoints;

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
