using LeapEngine.Core.Optimisation.Options;

namespace LeapEngine.Core.Optimisation.Methods;

/// <summary>
/// A prompt-search method as a plug-in: the options type that selects it, the name a request gives it, the worst-case
/// work of one of its steps (what a search checks its budget against and a host reserves from, through
/// <see cref="OptimisationCost.WorstCaseSearch"/>), and the search itself. Adding a method is one options type in
/// Options/, one subclass of <see cref="PromptSearchMethod{TOptions}"/> in this folder, one value of
/// <see cref="OptimisationMethod"/> and one line in <see cref="PromptSearchMethods"/>; the job, the CLI and the
/// reservation pick it up from there.
/// </summary>
/// <remarks>
/// An abstract class rather than an interface so the search can take the engine's internal pieces (problem, log,
/// initialiser) without making them public: methods live in Core, next to the searches they compose.
/// </remarks>
public abstract class PromptSearchMethod
{
    private protected PromptSearchMethod() { }

    /// <summary>The request's value for this method.</summary>
    public abstract OptimisationMethod Method { get; }

    /// <summary>The method's name on the wire and on the command line (snake_case of <see cref="Method"/>).</summary>
    public string Name => Serialization.SnakeCase.Name(Method);

    /// <summary>The options type that selects this method (its subtypes too: the hybrid's variants).</summary>
    public abstract Type OptionsType { get; }

    /// <summary>The worst-case work of one step in forward-token equivalents, verification excluded (the cost model adds it).</summary>
    public abstract long StepWork(OptimisationCost cost, SearchOptions options);

    /// <summary>Steps of embedding descent before GCG takes over (all of them for descent, none for GCG).</summary>
    public abstract int DescentSteps(OptimisationRequest request);

    /// <summary>Runs the search until its steps, its budget or its successes end it; the run's log collects the result.</summary>
    internal abstract void Search(SearchRun run);
}

/// <summary>A method that reads the options <typeparamref name="TOptions"/>: each member gets them typed, never another method's.</summary>
public abstract class PromptSearchMethod<TOptions> : PromptSearchMethod where TOptions : SearchOptions
{
    private protected PromptSearchMethod() { }

    public sealed override Type OptionsType => typeof(TOptions);

    public sealed override long StepWork(OptimisationCost cost, SearchOptions options) => StepWork(cost, Typed(options));

    public sealed override int DescentSteps(OptimisationRequest request) => DescentSteps(request, Typed(request.Search));

    internal sealed override void Search(SearchRun run) => Search(run, Typed(run.Request.Search));

    private protected abstract long StepWork(OptimisationCost cost, TOptions options);

    private protected abstract int DescentSteps(OptimisationRequest request, TOptions options);

    internal abstract void Search(SearchRun run, TOptions options);

    private TOptions Typed(SearchOptions options) => options as TOptions
        ?? throw new ArgumentException($"the {Name} search reads {typeof(TOptions).Name}, not {options?.GetType().Name ?? "null"}");
}

/// <summary>What one search runs with: the problem, the log that counts work and verifies prompts, the initialiser and the seeded random source.</summary>
internal sealed record SearchRun(OptimisationProblem Problem, SearchLog Log, Initialiser Init, SeededRandom Random)
{
    public OptimisationRequest Request => Problem.Request;
}
