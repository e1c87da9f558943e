using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace LeapEngine.Api.Hosting;

/// <summary>
/// Makes the schemas of options with a <c>type</c> discriminator (<see cref="JsonPolymorphicAttribute"/>) satisfiable as
/// JSON Schema. Swashbuckle writes each derived type as <c>allOf: [base]</c> plus its own properties, and, since the API
/// refuses unknown fields, <c>additionalProperties: false</c> on both; but that keyword only sees its own schema
/// object's properties, so the base would refuse every derived field and each derived type its <c>type</c>. Here the
/// base allows extra fields (the derived type decides), and each derived type lists <c>type</c> with its one value.
/// </summary>
internal sealed class OpenApiPolymorphism : ISchemaFilter
{
    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (schema is not OpenApiSchema concrete) return;
        if (context.Type.GetCustomAttribute<JsonPolymorphicAttribute>(inherit: false) is not null)
        {
            concrete.AdditionalPropertiesAllowed = true;
            concrete.AdditionalProperties = null;
            return;
        }
        if (context.Type.BaseType?.GetCustomAttribute<JsonPolymorphicAttribute>(inherit: false) is not { } polymorphic) return;
        var tag = context.Type.BaseType.GetCustomAttributes<JsonDerivedTypeAttribute>()
            .FirstOrDefault(d => d.DerivedType == context.Type)?.TypeDiscriminator as string;
        if (tag is null) return;
        string name = polymorphic.TypeDiscriminatorPropertyName ?? "$type";
        concrete.Properties ??= new Dictionary<string, IOpenApiSchema>();
        var properties = new Dictionary<string, IOpenApiSchema>(concrete.Properties);
        concrete.Properties.Clear();
        concrete.Properties[name] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create(tag)] };
        foreach (var (key, value) in properties) concrete.Properties[key] = value;
        concrete.Required ??= new HashSet<string>();
        concrete.Required.Add(name);
    }
}
