using System.Security.Cryptography;
using System.Text;
using LeapEngine.Api.Errors;
using LeapEngine.Data;
using LeapEngine.Data.Entities;
using Microsoft.EntityFrameworkCore;

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
/// the same body (marked Idempotent-Replayed: true). The same key with another body is a 422;
/// while the first is still being handled, a duplicate gets 409. A failed first attempt frees
/// the key, so the client can retry it. Keys are kept for 24 hours.
/// </summary>
public static class Idempotency
{
    public const string Header = "Idempotency-Key";

    public static async Task<IResult> RunAsync(HttpContext context, LeapDbContext db, Guid tenantId, byte[] body,
        Func<Task<IResult>> create)
    {
        var key = context.Request.Headers[Header].ToString();
        if (string.IsNullOrEmpty(key)) return await create();
        if (key.Length > 255 || key.Any(char.IsControl))
            return Problems.Validation("Idempotency-Key must be at most 255 printable characters", Header);

        var hash = Hash(context.Request, body);
        db.IdempotencyRecords.Add(new IdempotencyRecord { TenantId = tenantId, Key = key, RequestHash = hash, CreatedAt = DateTime.UtcNow });
        try
        {
            await db.SaveChangesAsync(context.RequestAborted);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            var existing = await db.IdempotencyRecords.AsNoTracking()
                .SingleOrDefaultAsync(r => r.TenantId == tenantId && r.Key == key, context.RequestAborted);
            if (existing is null) throw;
            if (existing.RequestHash != hash) return Problems.IdempotencyMismatch();
            if (existing.StatusCode is not { } status) return Problems.Conflict("a request with this Idempotency-Key is still being handled");
            context.Response.Headers["Idempotent-Replayed"] = "true";
            return new CreatedResponse(status, existing.ResponseBody ?? "", existing.Location);
        }
        db.ChangeTracker.Clear();

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
        if (result is CreatedResponse created)
            await db.IdempotencyRecords.Where(r => r.TenantId == tenantId && r.Key == key).ExecuteUpdateAsync(s => s
                .SetProperty(r => r.StatusCode, created.StatusCode)
                .SetProperty(r => r.ResponseBody, created.StoredBody ?? created.Body)
                .SetProperty(r => r.Location, created.Location), CancellationToken.None);
        else
            await ForgetAsync(db, tenantId, key);
        return result;
    }

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
