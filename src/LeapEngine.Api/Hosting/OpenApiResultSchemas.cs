using LeapEngine.Jobs.Attribution.Results;
using LeapEngine.Jobs.BlackBox.Contracts;
using LeapEngine.Jobs.Checks;
using LeapEngine.Jobs.Dictionaries;
using LeapEngine.Jobs.Generation;
using LeapEngine.Jobs.Optimisation;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace LeapEngine.Api.Hosting;

/// <summary>
/// Puts each job type's result contract in the document's schemas. A job's <c>result</c> is free-form in the job object
/// (its shape depends on <c>type</c>), so no operation references them; listed here, clients can generate types from
/// them and the OpenAPI snapshot test pins every result field as it pins the requests.
/// </summary>
internal sealed class OpenApiResultSchemas : IDocumentFilter
{
    /// <summary>The stored result of each job type, by the type's name.</summary>
    public static readonly IReadOnlyDictionary<string, Type> ByJobType = new Dictionary<string, Type>
    {
        ["generation"] = typeof(GenerationResult),
        ["attribution"] = typeof(AttributionJobResult),
        ["blackbox_attribution"] = typeof(BlackBoxAttributionJobResult),
        ["blackbox_system_prompt_influence"] = typeof(InfluenceCheckResult),
        ["prompt_optimisation"] = typeof(PromptOptimisationJobResult),
        ["system_prompt_influence"] = typeof(InfluenceCheckResult),
        ["dictionary_build"] = typeof(DictionaryBuildResult),
        ["dictionary_assign"] = typeof(DictionaryAssignResult),
        ["dictionary_score"] = typeof(DictionaryScoreResult),
        ["dictionary_steer"] = typeof(DictionaryInterventionResult),
        ["dictionary_ablate"] = typeof(DictionaryInterventionResult),
        ["dictionary_match"] = typeof(DictionaryMatchResult),
    };

    public void Apply(OpenApiDocument document, DocumentFilterContext context)
    {
        foreach (var type in ByJobType.Values.Distinct()) context.SchemaGenerator.GenerateSchema(type, context.SchemaRepository);
    }
}
