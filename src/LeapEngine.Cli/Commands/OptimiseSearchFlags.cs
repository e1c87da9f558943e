using System.CommandLine;
using LeapEngine.Core.Optimisation;
using LeapEngine.Core.Optimisation.Options;
using LeapEngine.Core.Serialization;

namespace LeapEngine.Cli.Commands;

/// <summary>
/// The search flags of <c>leap optimise</c> (<c>--method</c>, <c>--hybrid</c> and the variants' knobs): the command line's
/// counterpart of the API's <c>search</c> object, read into the engine's options type for the chosen method or hybrid
/// variant. A knob that the chosen method or variant does not have is refused by name at parse time (the engine's types
/// would have nowhere to put it); a knob out of bounds is refused with its flag named.
/// </summary>
internal sealed class OptimiseSearchFlags
{
    // The engine's default search is the anchored hybrid (OptimisationRequest.Search); the flags' defaults follow it.
    private static readonly AnchoredHybridOptions DefaultHybrid = new();

    private readonly Option<string> _method = new("--method")
    {
        Description = "descent, gcg or hybrid", DefaultValueFactory = _ => SnakeCase.Name(new OptimisationRequest().Search.Method),
    };
    private readonly Option<string> _hybrid = new("--hybrid")
    {
        Description = "Hybrid variant: anchored (GCG whose trials include tokens proposed by a descent step from its current prompt), " +
                      "chain (proposals from an independent descent run), reseed (stalled GCG prompts restart from an independent descent run's best readouts) " +
                      "or sequential (descent first, then GCG from its readouts)",
        DefaultValueFactory = _ => SnakeCase.Name(DefaultHybrid.Variant),
    };
    private readonly Option<int?> _descentSteps = new("--descent-steps")
    {
        Description = $"Anchored, chain and reseed hybrids: descent steps per GCG step (default {DefaultHybrid.DescentSteps})",
    };
    private readonly Option<int?> _nearest = new("--nearest-tokens")
    {
        Description = $"Anchored and chain hybrids: tokens nearest descent's point offered per position (default {DefaultHybrid.NearestTokens})",
    };
    private readonly Option<double?> _fraction = new("--descent-fraction")
    {
        Description = $"Sequential hybrid: share of the steps (and budget) spent on descent (default {new SequentialHybridOptions().DescentFraction})",
    };
    private readonly Option<bool> _bestReadouts = new("--best-readouts") { Description = "Sequential hybrid: start GCG from the best descent readouts by exact loss" };

    /// <summary>Each knob's flag and the engine's name for it (also its options property: <see cref="HybridKnobs"/>).</summary>
    private (Option Option, HybridKnob Knob)[] Knobs =>
    [
        (_descentSteps, HybridKnob.DescentSteps), (_nearest, HybridKnob.NearestTokens), (_fraction, HybridKnob.DescentFraction),
        (_bestReadouts, HybridKnob.BestReadouts),
    ];

    /// <summary>Adds the flags to <paramref name="command"/> with the check that refuses a knob of another method or variant.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _method, _hybrid }.Concat(Knobs.Select(k => k.Option))) command.Options.Add(option);
        command.Validators.Add(result =>
        {
            bool Given(Option o) => result.GetResult(o) is { Implicit: false };
            // An option left out has no value yet while a command validates (its default comes when the action reads it).
            string Value(Option<string> o, string fallback) => Given(o) ? result.GetValue(o) ?? fallback : fallback;
            if (!SnakeCase.TryParse<OptimisationMethod>(Value(_method, SnakeCase.Name(new OptimisationRequest().Search.Method)), out var m)) return;   // the run names that fault
            if (m != OptimisationMethod.Hybrid)
            {
                foreach (var o in Knobs.Select(k => k.Option).Prepend(_hybrid).Where(Given))
                    result.AddError($"{o.Name} applies to --method hybrid only, not {SnakeCase.Name(m)}: remove it or use --method hybrid");
                return;
            }
            if (!SnakeCase.TryParse<HybridVariant>(Value(_hybrid, SnakeCase.Name(DefaultHybrid.Variant)), out var variant)) return;
            foreach (var (o, knob) in Knobs.Where(k => Given(k.Option) && !variant.Reads(k.Knob)))
                result.AddError($"{o.Name} applies to the {string.Join(" and ", HybridKnobs.ReadBy(knob).Select(SnakeCase.Name))} hybrid only, " +
                                $"not {SnakeCase.Name(variant)}: remove it or choose a --hybrid variant that reads it");
        });
    }

    /// <summary>The engine's options for the flags given, checked: a knob out of bounds is an error that names its flag.</summary>
    public SearchOptions Read(ParseResult parse)
    {
        var search = EnumOption.Parse<OptimisationMethod>(parse.GetValue(_method), _method.Name) switch
        {
            OptimisationMethod.Descent => new DescentOptions(),
            OptimisationMethod.Gcg => new GcgOptions(),
            _ => Hybrid(parse),
        };
        try
        {
            search.Validate();
        }
        catch (InvalidOptionException e) when (Knobs.FirstOrDefault(k => e.ParamName.EndsWith("." + k.Knob)) is { Option: { } flag })
        {
            throw new ArgumentException($"{flag.Name}: {e.Message}", e);
        }
        return search;
    }

    private SearchOptions Hybrid(ParseResult parse) => HybridOptions.Of(EnumOption.Parse<HybridVariant>(parse.GetValue(_hybrid), _hybrid.Name)) switch
    {
        // The parse-time check has refused any knob the variant does not have; the rest keep the variant's defaults.
        SequentialHybridOptions s => s with
        {
            DescentFraction = parse.GetValue(_fraction) ?? s.DescentFraction, BestReadouts = parse.GetValue(_bestReadouts),
        },
        InterleavedHybridOptions i => i with
        {
            DescentSteps = parse.GetValue(_descentSteps) ?? i.DescentSteps, NearestTokens = parse.GetValue(_nearest) ?? i.NearestTokens,
        },
        ReseedHybridOptions r => r with { DescentSteps = parse.GetValue(_descentSteps) ?? r.DescentSteps },
        var other => throw new NotSupportedException($"leap optimise has no flags for {other.GetType().Name}"),
    };
}
