namespace LeapEngine.Core.Optimisation.Options;

/// <summary>
/// How a prompt is searched for: one options type per method (<see cref="DescentOptions"/>, <see cref="GcgOptions"/>) and
/// per hybrid variant (<see cref="HybridOptions"/>), each carrying only the knobs its search reads, so a knob of another
/// method or variant cannot be set at all. The type is the choice: the optimiser runs the plug-in registered for it
/// (<see cref="Methods.PromptSearchMethods.For(SearchOptions)"/>). Bounds are declared on the properties (data
/// annotations) and checked by <see cref="Validate()"/>.
/// </summary>
public abstract record SearchOptions
{
    // Only Core derives options: every type has a registered search that reads it.
    private protected SearchOptions() { }

    /// <summary>The method these options select (what a result records and the wire calls <c>type</c>).</summary>
    public abstract OptimisationMethod Method { get; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the field out of bounds (e.g. <c>GcgOptions.TopK</c>) and the bound.</summary>
    public void Validate() => Validate(GetType().Name);

    /// <summary>Checks the declared bounds; <paramref name="path"/> names these options in the message.</summary>
    internal virtual void Validate(string path) => DeclaredBounds.Check(this, path);
}
