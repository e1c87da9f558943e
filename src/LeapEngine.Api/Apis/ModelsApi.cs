using LeapEngine.Api.Auth;
using LeapEngine.Jobs.Models;
using Microsoft.Extensions.Options;

namespace LeapEngine.Api.Apis;

/// <summary>GET /v1/models: what this deployment serves.</summary>
public static class ModelsApi
{
    public sealed record ModelView(string Id, string Object, string Class, string? Description, bool Available,
        int? ContextLength, int? VocabSize, string? Architecture, string? Error);

    public static IEndpointRouteBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/models", ListAsync).RequireAuthorization(LeapClaims.ReadPolicy).WithTags("Models").WithName("ListModels")
            .WithSummary("Models served here; 'available' says whether their files are provisioned");
        return app;
    }

    private static async Task<IResult> ListAsync(HttpContext context, ModelPool pool, IOptions<ModelsOptions> options)
    {
        var data = new List<ModelView>();
        foreach (var served in options.Value.Served)
        {
            try
            {
                var model = await pool.ForValidationAsync(served.Id, context.RequestAborted);
                data.Add(new(served.Id, "model", served.Class, served.Description, true, model.Config.ContextLength,
                    model.Config.VocabSize, model.Config.Architecture.ToString().ToLowerInvariant(), null));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                data.Add(new(served.Id, "model", served.Class, served.Description, false, null, null, null, e.Message));
            }
        }
        return TypedResults.Ok(new { @object = "list", data });
    }
}
