using System.Security.Cryptography;
using System.Text;

namespace LeapEngine.Api.Auth;

/// <summary>
/// API key format "leap_{prefix}_{secret}": an 8-character public prefix (lookup and display)
/// and 43 characters of base64url secret (256 bits from the OS CSPRNG). Only SHA-256 of the
/// whole key is stored.
/// </summary>
public static class ApiKeys
{
    public const string Scheme = "leap";
    public static readonly string[] KnownScopes = ["read", "write"];
    private const string PrefixAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

    public sealed record NewKey(string Key, string Prefix, byte[] Hash);

    public static NewKey Generate()
    {
        var prefix = $"{Scheme}_{RandomNumberGenerator.GetString(PrefixAlphabet, 8)}";
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var key = $"{prefix}_{secret}";
        return new NewKey(key, prefix, Hash(key));
    }

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>The lookup prefix of a presented key, or null when it is not shaped like one of ours.</summary>
    public static string? PrefixOf(string key)
    {
        if (key.Length is < 20 or > 200 || !key.StartsWith(Scheme + "_", StringComparison.Ordinal)) return null;
        int end = key.IndexOf('_', Scheme.Length + 1);
        return end == Scheme.Length + 9 ? key[..end] : null;
    }

    /// <summary>Constant-time comparison of a presented key with a stored hash.</summary>
    public static bool Matches(string presented, byte[] storedHash) =>
        CryptographicOperations.FixedTimeEquals(Hash(presented), storedHash);

    /// <summary>Normalises requested scopes; throws naming an unknown one.</summary>
    public static string NormaliseScopes(IEnumerable<string>? scopes)
    {
        var list = (scopes ?? KnownScopes).Select(s => s.Trim().ToLowerInvariant()).Distinct().ToList();
        if (list.Count == 0) throw new ArgumentException("scopes must name at least one of: read, write");
        var unknown = list.FirstOrDefault(s => !KnownScopes.Contains(s));
        if (unknown is not null) throw new ArgumentException($"unknown scope '{unknown}'; use read and/or write");
        return string.Join(' ', KnownScopes.Where(list.Contains));
    }
}
