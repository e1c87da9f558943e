using System.Text.Json;
using LeapEngine.Core.Serialization;
using LeapEngine.Core.Tensors;
using static TorchSharp.torch;

namespace LeapEngine.Core.Partitioning;

/// <summary>
/// A dictionary as one safetensors file: tensors centre, exemplars, member_sums (F32),
/// counts (I64), distance_sums (F64); metadata "format", "info" (JSON) and "examples" (JSON).
/// Saving what was loaded gives the same bytes.
/// </summary>
public sealed partial class ExemplarDictionary
{
    private static readonly JsonSerializerOptions Json = SnakeCase.Compact;

    /// <summary>Metadata as files before the snake_case dialect wrote it: .NET names ("ModelId", "Cosine").</summary>
    private static readonly JsonSerializerOptions LegacyJson = new() { Converters = { new SnakeCaseEnumConverter() } };

    /// <summary>The file's bytes (to store in a database or send).</summary>
    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        Write(stream);
        return stream.ToArray();
    }

    public void Save(string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        // Write next to the target and rename, so a failed save never leaves half a file.
        var partial = path + ".partial";
        using (var stream = File.Create(partial)) Write(stream);
        File.Move(partial, path, overwrite: true);
    }

    public static ExemplarDictionary Load(string path)
    {
        using var stream = File.OpenRead(path);
        return Read(stream, path);
    }

    public static ExemplarDictionary FromBytes(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        return Read(stream, "dictionary bytes");
    }

    private void Write(Stream stream)
    {
        using var scope = NewDisposeScope();
        var metadata = new Dictionary<string, string>
        {
            ["format"] = Info.Format,
            ["info"] = JsonSerializer.Serialize(Info, Json),
            ["examples"] = JsonSerializer.Serialize(Examples, Json),
        };
        Safetensors.Save(stream,
        [
            ("centre", Centre),
            ("exemplars", Exemplars),
            ("member_sums", MemberSums),
            ("counts", tensor(Counts)),
            ("distance_sums", tensor(DistanceSums)),
        ], metadata);
    }

    private static ExemplarDictionary Read(Stream stream, string source)
    {
        var metadata = Safetensors.ReadMetadata(stream, source);
        if (!metadata.TryGetValue("format", out var format) || format != DictionaryInfo.CurrentFormat)
            throw new InvalidDataException(
                $"{source}: not an exemplar-partition dictionary (format '{format ?? "none"}', expected '{DictionaryInfo.CurrentFormat}')");
        // Every info object has a model id, so its spelling tells the two dialects apart.
        var json = metadata["info"].Contains("\"ModelId\"", StringComparison.Ordinal) ? LegacyJson : Json;
        var info = JsonSerializer.Deserialize<DictionaryInfo>(metadata["info"], json)
                   ?? throw new InvalidDataException($"{source}: empty dictionary info");
        var examples = JsonSerializer.Deserialize<List<RegionExampleSet>>(metadata["examples"], json)
                       ?? throw new InvalidDataException($"{source}: empty example list");
        stream.Position = 0;
        var tensors = Safetensors.Load(stream, source);
        try
        {
            Tensor Take(string name, ScalarType type) =>
                tensors.TryGetValue(name, out var t) && t.dtype == type ? t : throw new InvalidDataException($"{source}: tensor '{name}' ({type}) missing");
            var counts = Take("counts", ScalarType.Int64).data<long>().ToArray();
            var distanceSums = Take("distance_sums", ScalarType.Float64).data<double>().ToArray();
            var dictionary = new ExemplarDictionary(info, Take("centre", ScalarType.Float32), Take("exemplars", ScalarType.Float32),
                Take("member_sums", ScalarType.Float32), counts, distanceSums, examples);
            tensors["counts"].Dispose();
            tensors["distance_sums"].Dispose();
            return dictionary;
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
    }
}
