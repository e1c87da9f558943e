using System.Security.Cryptography;
using System.Text;
using LeapEngine.Api.Errors;
using LeapEngine.Data;
using LeapEngine.Data.Entities;
using LeapEngine.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LeapEngine.Api.Infrastructure;

/// <summary>A creating POST's response, as stored for replay.</summary>
/// <param name="StoredBody">What is stored, and replayed, instead of <paramref name="Body"/> when the body holds a
/// secret (a new key's): secrets are shown once and never stored in clear, so a replay answers without it.</param>
public sealed record CreatedResponse(int StatusCode, string Body, string? Location, string? StoredBody = null) : IResult
{
    public async Task ExecuteAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCode;
        if (Location is not null) context.Response.Headers.Location = Location;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(Body, context.RequestAborted);
    }
}

/// <summary>
/// Idempotency-Key on creating POSTs. The first request with a key claims it (a row without a
/// response yet); its response is stored and replayed for later requests with the same key and
/// the same body (marked Idempotent-Replayed: true). The same key with another body is a 422.
/// While the first is still being handled, a duplicate gets 409 with Retry-After — unless what
/// the first created can already be found (<c>recover</c>: a job carries its key), which is then
/// the answer. A claim older than <see cref="JobsOptions.IdempotencyTakeoverSeconds"/> belongs
/// to a request that died (its process was killed, its connection cut): a retry takes it over,
/// so the client's correct retry always succeeds. A failed first attempt frees the key. Keys
/// are kept for 24 hours.
/// </summary>
public static class Idempotency
{
    public const string Header = "Idempotency-Key";

    /// <summary>The request's Idempotency-Key, or null when it has none.</summary>
    public static string? KeyOf(HttpContext context) =>
        context.Request.Headers[Header].ToString() is { Length: > 0 } key ? key : null;

    /// <param name="recover">Finds what an earlier request with the key created, when the resource records its key.</param>
    public static async Task<IResult> RunAsync(HttpContext context, LeapDbContext db, Guid tenantId, byte[] body,
        Func<Task<IResult>> create, Func<string, Task<CreatedResponse?>>? recover = null)
    {
        var key = KeyOf(context);
        if (key is null) return await create();
        if (key.Length > 255 || key.Any(char.IsControl))
            return Problems.Validation("Idempotency-Key must be at most 255 printable characters", Header);

        var hash = Hash(context.Request, body);
        // A reused key is answered from its row before claiming it: a claim that hits the unique index is logged by
        // EF Core at Error level, which reads as a fault in the operator's log. Two requests racing for a new key
        // still meet at the index.
        var earlier = await FindAsync(db, tenantId, key, context.RequestAborted);
        if (earlier is null)
        {
            db.IdempotencyRecords.Add(new IdempotencyRecord { TenantId = tenantId, Key = key, RequestHash = hash, CreatedAt = DateTime.UtcNow });
            try
            {
                await db.SaveChangesAsync(context.RequestAborted);
            }
            catch (DbUpdateException)
            {
                db.ChangeTracker.Clear();
                earlier = await FindAsync(db, tenantId, key, context.RequestAborted) ?? throw new InvalidOperationException(
                    "an Idempotency-Key could neither be claimed nor found");
            }
            db.ChangeTracker.Clear();
        }
        if (earlier is not null && await AnswerEarlierAsync(context, db, earlier, hash, recover) is { } answer) return answer;

        IResult result;
        try
        {
            result = await create();
        }
        catch
        {
            await ForgetAsync(db, tenantId, key);
            throw;
        }
        if (result is CreatedResponse created) await StoreAsync(db, tenantId, key, created);
        else await ForgetAsync(db, tenantId, key);
        return result;
    }

    private static Task<IdempotencyRecord?> FindAsync(LeapDbContext db, Guid tenantId, string key, CancellationToken ct) =>
        db.IdempotencyRecords.AsNoTracking().SingleOrDefaultAsync(r => r.TenantId == tenantId && r.Key == key, ct);

    /// <summary>
    /// The answer to a request whose key was claimed before: the stored response, what the first
    /// request created, or 409 while it may still be running; null when this request took over
    /// a dead request's claim and should go on to create.
    /// </summary>
    private static async Task<IResult?> AnswerEarlierAsync(HttpContext context, LeapDbContext db, IdempotencyRecord earlier, string hash,
        Func<string, Task<CreatedResponse?>>? recover)
    {
        if (earlier.RequestHash != hash) return Problems.IdempotencyMismatch();
        if (earlier.StatusCode is { } status)
        {
            context.Response.Headers["Idempotent-Replayed"] = "true";
            return new CreatedResponse(status, earlier.ResponseBody ?? "", earlier.Location);
        }
        if (recover is not null && await recover(earlier.Key) is { } found)
        {
            await StoreAsync(db, earlier.TenantId, earlier.Key, found);
            context.Response.Headers["Idempotent-Replayed"] = "true";
            return found;
        }
        if (await TakeOverAsync(context, db, earlier)) return null;
        context.Response.Headers.RetryAfter = "1";
        return Problems.Conflict("a request with this Idempotency-Key is still being handled; retry shortly");
    }

    /// <summary>Claims a key whose first request died (its claim is older than any live request); false while it may still be alive.</summary>
    private static async Task<bool> TakeOverAsync(HttpContext context, LeapDbContext db, IdempotencyRecord stale)
    {
        var takeover = context.RequestServices.GetRequiredService<IOptions<JobsOptions>>().Value.IdempotencyTakeoverSeconds;
        var now = DateTime.UtcNow;
        if (stale.CreatedAt > now.AddSeconds(-takeover)) return false;
        // Conditional on the claim we saw, so of two retries racing for a dead claim only one wins.
        return await db.IdempotencyRecords
            .Where(r => r.TenantId == stale.TenantId && r.Key == stale.Key && r.StatusCode == null && r.CreatedAt == stale.CreatedAt)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.CreatedAt, now), context.RequestAborted) == 1;
    }

    private static Task StoreAsync(LeapDbContext db, Guid tenantId, string key, CreatedResponse created) =>
        db.IdempotencyRecords.Where(r => r.TenantId == tenantId && r.Key == key).ExecuteUpdateAsync(s => s
            .SetProperty(r => r.StatusCode, created.StatusCode)
            .SetProperty(r => r.ResponseBody, created.StoredBody ?? created.Body)
            .SetProperty(r => r.Location, created.Location), CancellationToken.None);

    private static Task ForgetAsync(LeapDbContext db, Guid tenantId, string key) =>
        db.IdempotencyRecords.Where(r => r.TenantId == tenantId && r.Key == key).ExecuteDeleteAsync(CancellationToken.None);

    private static string Hash(HttpRequest request, byte[] body)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes($"{request.Method} {request.Path}\n"));
        sha.AppendData(body);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
