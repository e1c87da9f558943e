using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;

namespace LeapEngine.Data;

/// <summary>
/// ASP.NET Core Data Protection with its key ring in the engine's database (table data_protection_keys), under one
/// application name. Every process on the database (API replicas, workers, the standalone API) then protects and
/// unprotects with the same keys: an endpoint key encrypted by one API replica is decrypted by the worker that runs the
/// job, and a viewer cookie issued by one replica is read by another, and both survive restarts. Without a shared
/// application name each process would derive its own isolation (the default is the content root path) and nothing
/// written by one could be read by another.
/// </summary>
public static class DataProtectionSetup
{
    /// <summary>Shared by every LeapEngine process; changing it makes every stored secret and cookie unreadable.</summary>
    public const string ApplicationName = "LeapEngine";

    public static IServiceCollection AddLeapDataProtection(this IServiceCollection services)
    {
        // The key ring's XML is stored as it is: protect it at rest the way the database is protected (disk encryption,
        // access control), or add ProtectKeysWith* for a certificate or a cloud KMS in an operator's own host.
        services.AddDataProtection()
            .SetApplicationName(ApplicationName)
            .PersistKeysToDbContext<LeapDbContext>();
        return services;
    }
}
