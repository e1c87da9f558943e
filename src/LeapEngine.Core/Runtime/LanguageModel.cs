using LeapEngine.Core.Models;
using LeapEngine.Core.Models.Common;
using LeapEngine.Core.Models.Loading;
using LeapEngine.Core.Store;
using LeapEngine.Core.Tokenization;
using static TorchSharp.torch;

namespace LeapEngine.Core.Runtime;

/// <summary>
/// A loaded model ready to use: the network, its tokenizer and where it came from. This is
/// what every method (attribution, partitioning, optimisation) takes.
/// </summary>
public sealed class LanguageModel : IDisposable
{
    public LanguageModel(string id, TransformerModel network, ITokenizer tokenizer)
    {
        Id = id;
        Network = network;
        Tokenizer = tokenizer;
    }

    public string Id { get; }
    public TransformerModel Network { get; }
    public ITokenizer Tokenizer { get; }
    public ModelConfig Config => Network.Config;
    public Device Device => Network.Device;

    /// <summary>Whether prompts start with BOS by default: when the family was trained that way (<see cref="ModelConfig.TrainedWithBos"/>) and there is one.</summary>
    public bool AddsBosByDefault => Config.TrainedWithBos && BosId is not null;

    public int? BosId => Tokenizer.BosId ?? Config.BosTokenId;
    public int? EosId => Tokenizer.EosId ?? Config.EosTokenId;

    /// <summary>Loads the files a store resolved.</summary>
    public static LanguageModel Load(ResolvedModel resolved, Device? device = null)
    {
        TransformerModel network;
        ITokenizer tokenizer;
        if (resolved.Layout == ModelLayout.Llama2c)
        {
            var checkpoint = resolved.CheckpointPath ?? throw new InvalidDataException($"model '{resolved.Id}': no llama2.c checkpoint path");
            var tokenizerPath = resolved.TokenizerPath
                ?? throw new InvalidDataException($"model '{resolved.Id}': no tokenizer (.model) beside {checkpoint}");
            tokenizer = TokenizerLoader.FromFile(tokenizerPath);
            network = TransformerFactory.LoadLlama2c(checkpoint, device);
        }
        else
        {
            var config = HuggingFaceConfig.Read(Path.Combine(resolved.Directory, "config.json"));
            tokenizer = TokenizerLoader.FromDirectory(resolved.Directory, config.ModelType);
            network = TransformerFactory.LoadHuggingFace(resolved.Directory, device);
        }
        if (tokenizer.VocabSize > network.Config.VocabSize)
        {
            network.Dispose();
            throw new InvalidDataException(
                $"model '{resolved.Id}': the tokenizer has {tokenizer.VocabSize} ids but the model only {network.Config.VocabSize}");
        }
        return new LanguageModel(resolved.Id, network, tokenizer);
    }

    /// <summary>Resolves an id or path through the store (downloading if allowed) and loads it.</summary>
    public static async Task<LanguageModel> LoadAsync(ModelStore store, string idOrPath, Device? device = null,
        IProgress<DownloadProgress>? progress = null, CancellationToken ct = default)
    {
        var resolved = await store.ResolveAsync(idOrPath, progress, ct).ConfigureAwait(false);
        return Load(resolved, device);
    }

    /// <summary>Encodes text; <paramref name="addBos"/> null means the model's default.</summary>
    public EncodedText Encode(string text, bool? addBos = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Tokenizer.Encode(text, addBos ?? AddsBosByDefault);
    }

    /// <summary>Token ids of a prompt; an empty prompt becomes BOS (or EOS for GPT-2) so there is something to condition on.</summary>
    public int[] PromptIds(string text, bool? addBos = null)
    {
        var ids = Encode(text, addBos).Ids.ToArray();
        if (ids.Length > 0) return ids;
        var start = BosId ?? EosId ?? throw new ArgumentException("the prompt is empty and the model has no BOS token to start from");
        return [start];
    }

    // Texts placed before a continuation so it is encoded mid-text; the first whose token
    // boundary falls exactly where the continuation starts wins.
    private static readonly string[] ContinuationAnchors = ["\n", ".", "a", "0"];

    /// <summary>
    /// The tokens of <paramref name="text"/> when it follows other text (a completion, a
    /// target): SentencePiece would otherwise add its dummy-prefix space, so " ball" would
    /// become "▁▁ball" instead of "▁ball". Found by encoding it after an anchor and keeping
    /// the tokens past the anchor's boundary.
    /// </summary>
    public int[] ContinuationIds(string text)
    {
        if (string.IsNullOrEmpty(text)) return [];
        foreach (var anchor in ContinuationAnchors)
        {
            var encoded = Tokenizer.Encode(anchor + text, addBos: false);
            int first = -1;
            bool clean = true;
            for (int i = 0; i < encoded.Count; i++)
            {
                var span = encoded.Offsets[i];
                if (span.Start >= anchor.Length) { first = i; break; }
                if (span.End > anchor.Length) { clean = false; break; }   // a token straddles anchor and text
            }
            if (clean && first >= 0 && encoded.Offsets[first].Start == anchor.Length)
                return encoded.Ids.Skip(first).ToArray();
        }
        // No anchor separates cleanly: fall back to the text's own encoding.
        return Tokenizer.Encode(text, addBos: false).Ids.ToArray();
    }

    public string Decode(IEnumerable<int> ids) => Tokenizer.Decode(ids);

    /// <summary>
    /// The text of <paramref name="continuation"/> as it reads after <paramref name="context"/>:
    /// decoding it alone would drop SentencePiece's leading space (" and smiled" → "and smiled").
    /// </summary>
    public string DecodeContinuation(IReadOnlyList<int> context, IReadOnlyList<int> continuation)
    {
        var before = Decode(context);
        var all = Decode(context.Concat(continuation));
        if (before.Length > 0 && all.StartsWith(before, StringComparison.Ordinal)) return all[before.Length..];
        // An empty context text (BOS only) loses the continuation's leading space to the
        // tokenizer's dummy-prefix rule; rebuild it from the tokens' own texts instead.
        return string.Concat(continuation.Select(Tokenizer.TokenText));
    }

    /// <summary>Continues a text prompt; returns the new token ids.</summary>
    public int[] Generate(string prompt, GenerationOptions options, bool? addBos = null, CancellationToken ct = default,
        Action<int, int>? onToken = null) =>
        TextGenerator.Generate(Network, PromptIds(prompt, addBos), options, EosId, ct, onToken);

    public void Dispose() => Network.Dispose();
}
