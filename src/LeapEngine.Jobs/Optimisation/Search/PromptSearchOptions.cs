using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using LeapEngine.Core.Optimisation.Options;

namespace LeapEngine.Jobs.Optimisation.Search;

/// <summary>
/// How the prompt is searched for: one options type per method, told apart on the wire by <c>type</c>
/// (<c>{"type": "gcg", "search_width": 64}</c>), so each carries only the knobs its method reads and a knob
/// of another method is refused by name rather than silently ignored.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(DescentSearchOptions), "descent")]
[JsonDerivedType(typeof(GcgSearchOptions), "gcg")]
[JsonDerivedType(typeof(HybridSearchOptions), "hybrid")]
public abstract class PromptSearchOptions
{
    /// <summary>The bound of <see cref="GcgSearchOptions.SearchWidth"/> and <see cref="HybridSearchOptions.SearchWidth"/>.</summary>
    public const int MaxSearchWidth = 256;

    internal const string Between = "{0} must be {1} to {2}";

    /// <summary>The engine's options for this method, with the knobs given here and the engine's defaults for the rest; the bounds were checked at submission.</summary>
    public abstract SearchOptions ToEngine();
}

/// <summary>Embedding descent alone (Adam on unit-direction input embeddings kept near real tokens): no knobs of its own here.</summary>
public sealed class DescentSearchOptions : PromptSearchOptions
{
    public override SearchOptions ToEngine() => new DescentOptions();
}

/// <summary>Greedy coordinate gradient alone: exact search over single-token swaps ranked by the one-hot gradient.</summary>
public sealed class GcgSearchOptions : PromptSearchOptions
{
    /// <summary>Single-token substitutions scored per prompt per step, 1 to 256 (default 64).</summary>
    [Range(1, MaxSearchWidth, ErrorMessage = Between)]
    public int? SearchWidth { get; set; }

    public override SearchOptions ToEngine()
    {
        var defaults = new GcgOptions();
        return defaults with { SearchWidth = SearchWidth ?? defaults.SearchWidth };
    }
}
