using LeapEngine.Data.Plans;
using LeapEngine.Jobs.Models;
using Microsoft.Extensions.Options;

namespace LeapEngine.Api.OpenAi;

/// <summary>What a request's <c>model</c> names: a served model, or an alias of one with its hidden system prompt.</summary>
/// <param name="Name">The name the client used and gets back in <c>model</c>.</param>
/// <param name="HiddenSystemPrompt">Empty for a served model.</param>
public sealed record ServedTarget(string Name, string ModelId, string HiddenSystemPrompt, string? Description)
{
    public bool IsAlias => !string.Equals(Name, ModelId, StringComparison.OrdinalIgnoreCase);

    /// <summary>A plan that allows the served model allows its aliases; one that lists the alias allows that alias.</summary>
    public bool AllowedBy(PlanLimits plan) => plan.AllowsModel(ModelId) || (IsAlias && plan.AllowsModel(Name));
}

/// <summary>Resolves model names against Leap:Models:Served and Leap:OpenAi:Aliases (aliases are checked at start).</summary>
public sealed class ServedTargets(IOptions<ModelsOptions> models, IOptions<OpenAiOptions> openAi)
{
    public ServedTarget? Find(string name)
    {
        if (models.Value.Find(name) is { } served) return new ServedTarget(served.Id, served.Id, "", served.Description);
        if (openAi.Value.Aliases.FirstOrDefault(a => string.Equals(a.Key, name, StringComparison.OrdinalIgnoreCase)) is { Value: { } alias } entry
            && models.Value.Find(alias.Model) is { } target)
            return new ServedTarget(entry.Key, target.Id, alias.HiddenSystemPrompt, alias.Description);
        return null;
    }

    /// <summary>Every alias, in configuration order.</summary>
    public IEnumerable<ServedTarget> Aliases() => openAi.Value.Aliases.Keys.Select(k => Find(k)).OfType<ServedTarget>();

    /// <summary>Start-up check: every alias names a served model and no served model's id.</summary>
    public static string? Problem(OpenAiOptions options, ModelsOptions models)
    {
        foreach (var (name, alias) in options.Aliases)
        {
            if (models.Find(alias.Model) is null)
                return $"Leap:OpenAi:Aliases:{name}:Model is '{alias.Model}', which is not a served model (Leap:Models:Served)";
            if (models.Find(name) is not null) return $"Leap:OpenAi:Aliases:{name} has the name of a served model; choose another alias";
        }
        return null;
    }
}
