namespace LeapEngine.Core.Optimisation.Methods;

/// <summary>
/// A prompt-search method as a plug-in: the name a request gives it, the worst-case work of one of its steps (what a
/// search checks its budget against and a host reserves from, through <see cref="OptimisationCost.WorstCaseSearch"/>),
/// and the search itself. Adding a method is one subclass in this folder, one value of <see cref="OptimisationMethod"/>
/// and one line in <see cref="PromptSearchMethods"/>; the job, the CLI and the reservation pick it up from there.
/// </summary>
/// <remarks>
/// An abstract class rather than an interface so the search can take the engine's internal pieces (problem, log,
/// initialiser) without making them public: methods live in Core, next to the searches they compose.
/// </remarks>
public abstract class PromptSearchMethod
{
    /// <summary>The request's value for this method.</summary>
    public abstract OptimisationMethod Method { get; }

    /// <summary>The method's name on the wire and on the command line (snake_case of <see cref="Method"/>).</summary>
    public string Name => Serialization.SnakeCase.Name(Method);

    /// <summary>The worst-case work of one step in forward-token equivalents, verification excluded (the cost model adds it).</summary>
    public abstract long StepWork(OptimisationCost cost, OptimisationRequest request);

    /// <summary>Steps of embedding descent before GCG takes over (all of them for descent, none for GCG).</summary>
    public abstract int DescentSteps(OptimisationRequest request);

    /// <summary>Runs the search until its steps, its budget or its successes end it; the run's log collects the result.</summary>
    internal abstract void Search(SearchRun run);
}

/// <summary>What one search runs with: the problem, the log that counts work and verifies prompts, the initialiser and the seeded random source.</summary>
internal sealed record SearchRun(OptimisationProblem Problem, SearchLog Log, Initialiser Init, SeededRandom Random)
{
    public OptimisationRequest Request => Problem.Request;
}
