using System.Runtime.CompilerServices;
using LeapEngine.Core.Models;
using LeapEngine.Core.Models.Common;
using LeapEngine.Core.Tests.ModelSharing;

namespace LeapEngine.Core.Tests.Models;

/// <summary>
/// The small real models of the shared folder. <see cref="Shared"/> gives the assembly's one
/// read-only network of each (<see cref="SharedModels"/>); <see cref="Stories"/>,
/// <see cref="Gpt2Tiny"/> and <see cref="Load"/> load an instance the caller owns and disposes,
/// for tests that attach hooks, read the network's counters or change it.
/// </summary>
public static class TestModels
{
    public static TransformerModel Stories([CallerMemberName] string caller = "") =>
        ModelLoads.Record("stories260K-hf", caller, () => TransformerFactory.LoadHuggingFace(SharedFiles.Model("stories260K-hf")));

    public static TransformerModel Gpt2Tiny([CallerMemberName] string caller = "") =>
        ModelLoads.Record("gpt2-tiny", caller, LoadGpt2Tiny);

    /// <summary>gpt2-tiny's network, uncounted: the callers above and the shared instance count it.</summary>
    internal static TransformerModel LoadGpt2Tiny() => TransformerFactory.LoadHuggingFace(SharedFiles.Fixture("gpt2-tiny"));

    /// <summary>An own instance by the short name the theories use.</summary>
    public static TransformerModel Load(string name, [CallerMemberName] string caller = "") => name switch
    {
        "stories" => Stories(caller),
        "gpt2" => Gpt2Tiny(caller),
        _ => throw new ArgumentException(name),
    };

    /// <summary>The assembly's shared network by short name: read-only, never disposed by the caller.</summary>
    public static TransformerModel Shared(string name) => SharedModels.Get(name).Network;

    public static TheoryData<string> Both => new() { "stories", "gpt2" };
}
