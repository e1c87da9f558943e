using LeapEngine.Core.Models;
using LeapEngine.Core.Models.Common;

namespace LeapEngine.Core.Tests.Models;

/// <summary>The small real models of the shared folder, loaded straight from their files.</summary>
public static class TestModels
{
    public static TransformerModel Stories() => TransformerFactory.LoadHuggingFace(SharedFiles.Model("stories260K-hf"));
    public static TransformerModel Gpt2Tiny() => TransformerFactory.LoadHuggingFace(SharedFiles.Fixture("gpt2-tiny"));

    public static TransformerModel Load(string name) => name switch
    {
        "stories" => Stories(),
        "gpt2" => Gpt2Tiny(),
        _ => throw new ArgumentException(name),
    };

    public static TheoryData<string> Both => new() { "stories", "gpt2" };
}
