namespace LeapEngine.Core.Tokenization;

/// <summary>What the byte-level BPE tokenizers share: everything is done by their <see cref="ByteLevelCore"/>.</summary>
public abstract class ByteLevelTokenizerBase : ITokenizer
{
    private readonly ByteLevelCore _core;

    private protected ByteLevelTokenizerBase(ByteLevelCore core, string name)
    {
        _core = core;
        Name = name;
    }

    public string Name { get; }
    public int VocabSize => _core.VocabSize;
    public int? BosId => _core.BosId;
    public int? EosId => _core.EosId;
    public EncodedText Encode(string text, bool addBos = false) => _core.Encode(text, addBos);
    public string Decode(IEnumerable<int> ids) => _core.Decode(ids);
    public string TokenText(int id) => _core.TokenText(id);
}
