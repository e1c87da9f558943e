using System.Reflection;
using System.Text.Json.Serialization;
using LeapEngine.Jobs;
using Microsoft.OpenApi;

namespace LeapEngine.Api.Hosting;

/// <summary>OpenAPI document at /openapi/v1.json and Swagger UI at /docs, with the API key scheme.</summary>
public static class OpenApiSetup
{
    public static IServiceCollection AddLeapOpenApi(this IServiceCollection services)
    {
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(o =>
        {
            o.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "LeapEngine API",
                Version = "v1",
                // Swagger UI renders this as Markdown with HTML allowed: an angle-bracketed placeholder would vanish as an
                // unknown tag, so the placeholder is a plain word inside a code span.
                Description = "Interpretability jobs on language models. Authenticate with the header `Authorization: Bearer YOUR_API_KEY`. " +
                              "Long work is a job: POST answers 202 with a job object; poll GET /v1/jobs/{id}?wait=30 or " +
                              "follow GET /v1/jobs/{id}/events. Errors are RFC 9457 problem+json with a stable 'type'.",
            });
            o.AddSecurityDefinition("bearer", new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "leap_xxxxxxxx_<secret>",
                Description = "An API key: from the first start's console output, POST /v1/keys, or the operator.",
            });
            o.AddSecurityRequirement(doc => new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", doc)] = [] });
            o.OperationFilter<OpenApiExamples>();
            // Options with a "type" discriminator ([JsonPolymorphic] + [JsonDerivedType], e.g. an optimisation's search) as
            // oneOf with a discriminator mapping, so clients see each variant with only its own fields.
            o.UseOneOfForPolymorphism();
            // Only those types: Swashbuckle would otherwise take any subclass in the assembly (ProblemDetails' too) as a variant.
            o.SelectSubTypesUsing(type => type.GetCustomAttributes<JsonDerivedTypeAttribute>(inherit: false).Select(derived => derived.DerivedType));
            o.SelectDiscriminatorNameUsing(type => type.GetCustomAttribute<JsonPolymorphicAttribute>()?.TypeDiscriminatorPropertyName);
            o.SelectDiscriminatorValueUsing(type => type.BaseType?.GetCustomAttributes<JsonDerivedTypeAttribute>()
                .FirstOrDefault(derived => derived.DerivedType == type)?.TypeDiscriminator as string);
            o.SchemaFilter<OpenApiPolymorphism>();
            o.DocumentFilter<OpenApiResultSchemas>();
            foreach (var name in new[] { "LeapEngine.Api.xml", "LeapEngine.Jobs.xml" })
                if (Path.Combine(AppContext.BaseDirectory, name) is var xml && File.Exists(xml)) o.IncludeXmlComments(xml);
        });
        services.ConfigureHttpJsonOptions(o => LeapJson.Configure(o.SerializerOptions));
        // Swashbuckle reads the MVC options to name schema properties: keep them snake_case like the wire.
        services.Configure<Microsoft.AspNetCore.Mvc.JsonOptions>(o => LeapJson.Configure(o.JsonSerializerOptions));
        return services;
    }

    public static WebApplication UseLeapOpenApi(this WebApplication app)
    {
        app.UseSwagger(o => o.RouteTemplate = "openapi/{documentName}.json");
        app.UseSwaggerUI(o =>
        {
            o.RoutePrefix = "docs";
            o.SwaggerEndpoint("/openapi/v1.json", "LeapEngine API v1");
        });
        return app;
    }
}
