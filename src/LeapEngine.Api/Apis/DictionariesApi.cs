using LeapEngine.Api.Auth;
using LeapEngine.Api.Contracts;
using LeapEngine.Api.Errors;
using LeapEngine.Data;
using LeapEngine.Jobs.Dictionaries;
using Microsoft.EntityFrameworkCore;

namespace LeapEngine.Api.Apis;

/// <summary>
/// Exemplar Partitioning dictionaries of the caller's tenant: build one (a job), read it and its
/// regions, and run jobs on it (assign, score, steer, ablate, match). Another tenant's
/// dictionary answers 404 on every route, exactly like a missing one.
/// </summary>
public static class DictionariesApi
{
    public static IEndpointRouteBuilder MapDictionariesApi(this IEndpointRouteBuilder app)
    {
        app.MapJobSubmission<DictionaryBuildRequest>("/v1/dictionaries")
            .WithTags("Dictionaries").WithName("CreateDictionary")
            .WithSummary("Build an Exemplar Partitioning dictionary from the texts in the body (a job; progress in tokens)")
            .WithDescription("The finished job's result names the stored dictionary (dict_...); it is then listed by GET /v1/dictionaries.");
        Operation<DictionaryAssignRequest>(app, "assign", "AssignDictionary",
            "Nearest region and distance of every token of each text, optionally with readouts (a job)");
        Operation<DictionaryScoreRequest>(app, "score", "ScoreDictionary",
            "Out-of-distribution scores per text, and AUROC against out_of_set_texts when given (a job)");
        Operation<DictionarySteerRequest>(app, "steer", "SteerDictionary",
            "Steer towards a region at the dictionary's hook: continuation and target log-prob before and after (a job)");
        Operation<DictionaryAblateRequest>(app, "ablate", "AblateDictionary",
            "Ablate regions at the dictionary's hook: continuation and target log-prob before and after (a job)");
        Operation<DictionaryMatchRequest>(app, "match", "MatchDictionary",
            "Match this dictionary's regions one to one with another dictionary of yours (a job)");

        var group = app.MapGroup("/v1/dictionaries").WithTags("Dictionaries").RequireAuthorization(LeapClaims.ReadPolicy);
        group.MapGet("/", ListAsync).WithName("ListDictionaries")
            .WithSummary("List dictionaries, newest first (cursor pagination: limit, after)").Produces<ListView<DictionaryView>>();
        group.MapGet("/{id}", GetAsync).WithName("GetDictionary")
            .WithSummary("A dictionary's metadata and intrinsic metrics").Produces<DictionaryView>().ProducesProblem(404);
        group.MapGet("/{id}/regions", RegionsAsync).WithName("ListDictionaryRegions")
            .WithSummary("Regions by id with their examples (cursor pagination: limit, after = a region id)")
            .Produces<ListView<RegionView>>().ProducesProblem(404);
        group.MapGet("/{id}/file", FileAsync).WithName("GetDictionaryFile")
            .WithSummary("The dictionary as one safetensors file (loadable with `leap partition show` / ExemplarDictionary.Load)")
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream").ProducesProblem(404);
        return app;
    }

    private static void Operation<TRequest>(IEndpointRouteBuilder app, string verb, string name, string summary)
        where TRequest : DictionaryJobRequest =>
        app.MapJobSubmission<TRequest>($"/v1/dictionaries/{{id}}/{verb}",
                (http, r) => r.DictionaryId = (string?)http.Request.RouteValues["id"])
            .WithTags("Dictionaries").WithName(name).WithSummary(summary).ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<IResult> ListAsync(HttpContext context, LeapDbContext db, int? limit, string? after)
    {
        int take = limit ?? 20;
        if (take is < 1 or > 100) return Problems.Validation("limit must be between 1 and 100", "limit");
        var tenantId = context.User.TenantOf();
        // Tenants hold few dictionaries: order their ids here, then load only the page's summaries.
        var order = await DictionaryStore.Visible(db, tenantId).Select(d => new { d.Id, d.CreatedAt }).ToListAsync(context.RequestAborted);
        var ids = order.OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Id).Select(d => d.Id).ToList();
        int skip = 0;
        if (after is not null)
        {
            var cursor = DictionaryStore.ParsePublicId(after);
            int at = cursor is null ? -1 : ids.IndexOf(cursor.Value);
            if (at < 0) return Problems.Validation("after must be the id of one of your dictionaries", "after");
            skip = at + 1;
        }
        var page = ids.Skip(skip).Take(take + 1).ToList();
        bool more = page.Count > take;
        page = page.Take(take).ToList();
        var rows = await DictionaryStore.Visible(db, tenantId).Where(d => page.Contains(d.Id))
            .Select(d => new Row(d.Id, d.Name, d.Model, d.HookPoint, d.CreatedAt, d.JobId, d.RegionsJson)).ToListAsync(context.RequestAborted);
        var data = page.Select(id => View(rows.Single(r => r.Id == id))).ToList();
        return TypedResults.Ok(new ListView<DictionaryView>("list", data, more, data.FirstOrDefault()?.Id, data.LastOrDefault()?.Id));
    }

    private static async Task<IResult> GetAsync(HttpContext context, LeapDbContext db, string id)
    {
        var row = await FindAsync(context, db, id);
        return row is null ? Problems.NotFound($"dictionary '{id}'") : TypedResults.Ok(View(row));
    }

    private static async Task<IResult> RegionsAsync(HttpContext context, LeapDbContext db, string id, int? limit, int? after)
    {
        int take = limit ?? 20;
        if (take is < 1 or > 100) return Problems.Validation("limit must be between 1 and 100", "limit");
        var row = await FindAsync(context, db, id);
        if (row is null) return Problems.NotFound($"dictionary '{id}'");
        var regions = DictionaryStore.ReadSummary(row.SummaryJson).Regions;
        if (after is { } a && (a < 0 || a >= regions.Count))
            return Problems.Validation($"after must be a region id of this dictionary (0..{regions.Count - 1})", "after");
        var page = regions.Where(r => after is null || r.Id > after).OrderBy(r => r.Id).Take(take + 1).ToList();
        bool more = page.Count > take;
        var data = page.Take(take).Select(RegionView.From).ToList();
        return TypedResults.Ok(new ListView<RegionView>("list", data, more, data.FirstOrDefault()?.Id.ToString(),
            data.LastOrDefault()?.Id.ToString()));
    }

    private static async Task<IResult> FileAsync(HttpContext context, LeapDbContext db, string id)
    {
        var guid = DictionaryStore.ParsePublicId(id);
        var bytes = guid is null ? null : await DictionaryStore.Visible(db, context.User.TenantOf()).Where(d => d.Id == guid)
            .Select(d => d.Tensors).SingleOrDefaultAsync(context.RequestAborted);
        return bytes is null ? Problems.NotFound($"dictionary '{id}'") : TypedResults.File(bytes, "application/octet-stream", $"{id}.safetensors");
    }

    private sealed record Row(Guid Id, string? Name, string Model, string Hook, DateTime CreatedAt, Guid? JobId, string? SummaryJson);

    /// <summary>The caller's dictionary by public id; another tenant's is indistinguishable from a missing one.</summary>
    private static async Task<Row?> FindAsync(HttpContext context, LeapDbContext db, string id)
    {
        var guid = DictionaryStore.ParsePublicId(id);
        if (guid is null) return null;
        return await DictionaryStore.Visible(db, context.User.TenantOf()).Where(d => d.Id == guid)
            .Select(d => new Row(d.Id, d.Name, d.Model, d.HookPoint, d.CreatedAt, d.JobId, d.RegionsJson))
            .SingleOrDefaultAsync(context.RequestAborted);
    }

    private static DictionaryView View(Row row)
    {
        var summary = DictionaryStore.ReadSummary(row.SummaryJson);
        return new DictionaryView(DictionaryStore.PublicId(row.Id), "dictionary", row.Name, row.Model, row.Hook,
            new DateTimeOffset(DateTime.SpecifyKind(row.CreatedAt, DateTimeKind.Utc)).ToUnixTimeSeconds(),
            row.JobId is { } j ? PublicIds.Job(j) : null, summary.Regions.Count,
            LeapEngine.Jobs.Dictionaries.Results.DictionaryInfo.From(summary.Info), LeapEngine.Jobs.Dictionaries.Results.DictionaryMetrics.From(summary.Metrics));
    }
}
