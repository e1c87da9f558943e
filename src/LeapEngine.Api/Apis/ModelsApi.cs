using LeapEngine.Api.Auth;
using LeapEngine.Api.OpenAi;
using LeapEngine.Jobs.Models;
using Microsoft.Extensions.Options;

namespace LeapEngine.Api.Apis;

/// <summary>
/// GET /v1/models: what this deployment serves, and which of those can run now. The list is in OpenAI's shape too
/// (object "list"; each entry's id, object "model", created, owned_by), so OpenAI clients list the models; the
/// engine's own fields come beside them. Aliases (Leap:OpenAi:Aliases) are listed after the models, with alias_of.
/// </summary>
public static class ModelsApi
{
    /// <summary>OpenAI's <c>created</c>: models have no release time here, so every entry carries this fixed one (2026-01-01).</summary>
    public const long Created = 1_767_225_600;
    public const string OwnedBy = "leapengine";

    /// <param name="Available">Its files are on this server and it loads: jobs on it are accepted.</param>
    /// <param name="Source">Where its files are: models_dir, cache or embedded (shipped with the engine); null when unavailable.</param>
    /// <param name="Error">Why it is unavailable and how an operator provides it; null when available.</param>
    public sealed record ModelView(string Id, string Object, string Class, string? Description, bool Available, string? Source,
        int? ContextLength, int? VocabSize, string? Architecture, string? Error)
    {
        public long Created => ModelsApi.Created;
        public string OwnedBy => ModelsApi.OwnedBy;
        /// <summary>For an alias, the served model it runs (with a hidden system prompt); null for a model.</summary>
        public string? AliasOf { get; init; }
    }

    public static IEndpointRouteBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/models", ListAsync).RequireAuthorization(LeapClaims.ReadPolicy).WithTags("Models").WithName("ListModels")
            .WithSummary("Models served here; 'available' says whether their files are provisioned, 'error' how to provide them");
        return app;
    }

    private static async Task<IResult> ListAsync(HttpContext context, ModelPool pool, IOptions<ModelsOptions> options, ServedTargets targets)
    {
        var data = new List<ModelView>();
        foreach (var served in options.Value.Served)
        {
            // The disk first: a missing model is listed as such without trying (and logging) a load.
            var availability = await pool.AvailabilityAsync(served.Id, context.RequestAborted);
            if (!availability.OnDisk)
            {
                data.Add(new(served.Id, "model", served.Class, served.Description, false, null, null, null, null, availability.Reason));
                continue;
            }
            try
            {
                var model = await pool.ForValidationAsync(served.Id, context.RequestAborted);
                data.Add(new(served.Id, "model", served.Class, served.Description, true, Source(availability), model.Config.ContextLength,
                    model.Config.VocabSize, model.Config.Architecture.ToString().ToLowerInvariant(), null));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                data.Add(new(served.Id, "model", served.Class, served.Description, false, null, null, null, null, e.Message));
            }
        }
        foreach (var alias in targets.Aliases())
            if (data.FirstOrDefault(m => m.Id == alias.ModelId) is { } model)
                data.Add(model with { Id = alias.Name, Description = alias.Description, AliasOf = alias.ModelId });
        return TypedResults.Ok(new { @object = "list", data });
    }

    private static string? Source(ModelAvailability availability) => availability.Location switch
    {
        Core.Store.ModelLocation.ModelsDir => "models_dir",
        Core.Store.ModelLocation.Cache => "cache",
        Core.Store.ModelLocation.Embedded => "embedded",
        Core.Store.ModelLocation.Path => "path",
        _ => null,
    };
}
