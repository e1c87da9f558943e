using System.Text;

namespace LeapEngine.Core.Tests.Tokenization;

/// <summary>
/// A line-by-line port of llama2.c's encode() (run.c) over its own tokenizer file (tok512.bin),
/// so SentencePieceTokenizer can be checked against what llama2.c really produces.
/// </summary>
internal sealed class Llama2cReferenceEncoder
{
    private readonly string[] _vocab;   // pieces as raw bytes, one char per byte (Latin-1)
    private readonly float[] _scores;
    private readonly Dictionary<string, int> _lookup = new(StringComparer.Ordinal);

    public Llama2cReferenceEncoder(string tokBinPath, int vocabSize)
    {
        using var reader = new BinaryReader(File.OpenRead(tokBinPath));
        reader.ReadInt32(); // max_token_length
        _vocab = new string[vocabSize];
        _scores = new float[vocabSize];
        for (int i = 0; i < vocabSize; i++)
        {
            _scores[i] = reader.ReadSingle();
            int length = reader.ReadInt32();
            _vocab[i] = Encoding.Latin1.GetString(reader.ReadBytes(length));
            _lookup.TryAdd(_vocab[i], i); // bsearch over a sorted copy finds one of equal strings
        }
    }

    public List<int> Encode(string text)
    {
        var tokens = new List<int>();
        if (text.Length > 0) tokens.Add(_lookup[" "]); // the dummy prefix
        var bytes = Encoding.UTF8.GetBytes(text);
        for (int i = 0; i < bytes.Length;)
        {
            // One UTF-8 codepoint: a lead byte and its continuation bytes (at most 4 in all).
            int n = 1;
            while (i + n < bytes.Length && (bytes[i + n] & 0xC0) == 0x80 && n < 4) n++;
            var piece = Encoding.Latin1.GetString(bytes, i, n);
            if (_lookup.TryGetValue(piece, out int id)) tokens.Add(id);
            else for (int k = 0; k < n; k++) tokens.Add(bytes[i + k] + 3); // byte fallback: <0x00> is id 3
            i += n;
        }
        while (true)
        {
            float bestScore = -1e10f;
            int bestId = -1, bestIndex = -1;
            for (int i = 0; i + 1 < tokens.Count; i++)
            {
                if (_lookup.TryGetValue(_vocab[tokens[i]] + _vocab[tokens[i + 1]], out int id) && _scores[id] > bestScore)
                {
                    bestScore = _scores[id];
                    bestId = id;
                    bestIndex = i;
                }
            }
            if (bestIndex == -1) break;
            tokens[bestIndex] = bestId;
            tokens.RemoveAt(bestIndex + 1);
        }
        return tokens;
    }
}
