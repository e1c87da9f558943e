namespace LeapEngine.Core.Attribution.Methods;

/// <summary>
/// The registry of attribution methods: the one place a method's name is known. A new method
/// is one <see cref="IAttributionMethod"/> class and one line here.
/// </summary>
public static class AttributionMethods
{
    private static readonly IAttributionMethod[] All = [new IterativeMethod(), new HierarchicalMethod()];

    public static IReadOnlyList<string> Names { get; } = All.Select(m => m.Name).ToArray();

    /// <summary>The method called <paramref name="name"/> (case and surrounding spaces ignored).</summary>
    /// <exception cref="ArgumentException">No such method; the message lists the known ones.</exception>
    public static IAttributionMethod Get(string? name)
    {
        var key = (name ?? "").Trim();
        return All.FirstOrDefault(m => m.Name.Equals(key, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"unknown method '{name}'; use {string.Join(" or ", Names)}");
    }
}
