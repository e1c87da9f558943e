using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace LeapEngine.Core.Tensors;

/// <summary>
/// Reads and writes the safetensors format: an 8-byte little-endian header length, a JSON
/// header {name: {dtype, shape, data_offsets}} and the raw little-endian tensor bytes.
/// Written here rather than taken from a bridge package so F16/BF16 conversion, bounds
/// checks and error messages are ours.
/// </summary>
public static class Safetensors
{
    private const long MaxHeaderBytes = 100L * 1024 * 1024;

    /// <summary>Names, dtypes and shapes of the tensors in a file, without reading data.</summary>
    public static IReadOnlyDictionary<string, SafetensorsEntry> ReadHeader(string path)
    {
        using var stream = File.OpenRead(path);
        return ReadHeader(stream, path, out _);
    }

    /// <summary>
    /// Loads tensors (all, or those for which <paramref name="include"/> returns true) onto
    /// the CPU. Floating tensors are converted to <paramref name="floatType"/> when given.
    /// </summary>
    public static Dictionary<string, Tensor> Load(string path, Func<string, bool>? include = null, ScalarType? floatType = null)
    {
        using var stream = File.OpenRead(path);
        return Load(stream, path, include, floatType);
    }

    /// <summary>Load from a seekable stream (e.g. bytes kept in a database); <paramref name="source"/> names it in errors.</summary>
    public static Dictionary<string, Tensor> Load(Stream stream, string source, Func<string, bool>? include = null, ScalarType? floatType = null)
    {
        string path = source;
        var header = ReadHeader(stream, path, out long dataStart);
        var result = new Dictionary<string, Tensor>();
        try
        {
            foreach (var (name, entry) in header)
            {
                if (include != null && !include(name)) continue;
                var bytes = new byte[entry.ByteLength];
                stream.Position = dataStart + entry.Begin;
                stream.ReadExactly(bytes);
                var tensor = FromBytes(bytes, entry.DType, entry.Shape);
                if (floatType is { } ft && tensor.is_floating_point() && tensor.dtype != ft)
                {
                    var converted = tensor.to_type(ft);
                    tensor.Dispose();
                    tensor = converted;
                }
                result[name] = tensor.DetachFromDisposeScope();
            }
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        return result;
    }

    /// <summary>Writes tensors (moved to CPU, made contiguous) with optional string metadata.</summary>
    public static void Save(string path, IReadOnlyList<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        using var stream = File.Create(path);
        Save(stream, tensors, metadata);
    }

    /// <summary>Writes the file format to a stream (e.g. a MemoryStream for bytes kept in a database).</summary>
    public static void Save(Stream stream, IReadOnlyList<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var scope = NewDisposeScope();
        var header = new Dictionary<string, object>();
        if (metadata != null) header["__metadata__"] = metadata;
        var blobs = new List<byte[]>();
        long offset = 0;
        foreach (var (name, t) in tensors)
        {
            var cpu = t.detach().cpu().contiguous();
            var bytes = cpu.bytes.ToArray();
            header[name] = new Dictionary<string, object>
            {
                ["dtype"] = DTypeName(cpu.dtype),
                ["shape"] = cpu.shape,
                ["data_offsets"] = new[] { offset, offset + bytes.Length },
            };
            blobs.Add(bytes);
            offset += bytes.Length;
        }
        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        // Pad the header with spaces to an 8-byte boundary, as the reference writer does.
        int padded = (json.Length + 7) / 8 * 8;
        var headerBytes = new byte[padded];
        Array.Fill(headerBytes, (byte)' ');
        json.CopyTo(headerBytes, 0);

        Span<byte> len = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)padded);
        stream.Write(len);
        stream.Write(headerBytes);
        foreach (var blob in blobs) stream.Write(blob);
    }

    /// <summary>String metadata of a file ("__metadata__"), empty when absent.</summary>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path)
    {
        using var stream = File.OpenRead(path);
        return ReadMetadata(stream, path);
    }

    /// <summary>String metadata read from a stream positioned at the start of the format.</summary>
    public static IReadOnlyDictionary<string, string> ReadMetadata(Stream stream, string source)
    {
        var json = ReadHeaderJson(stream, source);
        using var doc = JsonDocument.Parse(json);
        var result = new Dictionary<string, string>();
        if (doc.RootElement.TryGetProperty("__metadata__", out var meta) && meta.ValueKind == JsonValueKind.Object)
            foreach (var p in meta.EnumerateObject())
                result[p.Name] = p.Value.GetString() ?? "";
        return result;
    }

    private static byte[] ReadHeaderJson(Stream stream, string path)
    {
        Span<byte> len = stackalloc byte[8];
        if (stream.Read(len) != 8) throw new InvalidDataException($"{path}: too short to be a safetensors file");
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(len);
        if (headerLength <= 0 || headerLength > MaxHeaderBytes || headerLength > stream.Length - 8)
            throw new InvalidDataException($"{path}: not a safetensors file (header length {headerLength})");
        var json = new byte[headerLength];
        stream.ReadExactly(json);
        return json;
    }

    private static Dictionary<string, SafetensorsEntry> ReadHeader(Stream stream, string path, out long dataStart)
    {
        var json = ReadHeaderJson(stream, path);
        dataStart = 8 + json.Length;
        long dataLength = stream.Length - dataStart;
        var entries = new Dictionary<string, SafetensorsEntry>();
        using var doc = JsonDocument.Parse(json);
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            if (p.Name == "__metadata__") continue;
            var dtype = p.Value.GetProperty("dtype").GetString() ?? "";
            var shape = p.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            var offsets = p.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            var entry = new SafetensorsEntry(p.Name, dtype, shape, offsets[0], offsets[1]);
            long expected = shape.Aggregate(1L, (a, b) => a * b) * ElementSize(dtype, path, p.Name);
            if (offsets[0] < 0 || offsets[1] > dataLength || entry.ByteLength != expected)
                throw new InvalidDataException($"{path}: tensor '{p.Name}' has inconsistent offsets or shape");
            entries[p.Name] = entry;
        }
        return entries;
    }

    private static Tensor FromBytes(byte[] bytes, string dtype, long[] shape)
    {
        var scalar = dtype switch
        {
            "F32" => ScalarType.Float32,
            "F16" => ScalarType.Float16,
            "BF16" => ScalarType.BFloat16,
            "F64" => ScalarType.Float64,
            "I64" => ScalarType.Int64,
            "I32" => ScalarType.Int32,
            "I16" => ScalarType.Int16,
            "I8" => ScalarType.Int8,
            "U8" => ScalarType.Byte,
            "BOOL" => ScalarType.Bool,
            _ => throw new InvalidDataException($"unsupported safetensors dtype {dtype}"),
        };
        var t = empty(shape, scalar);
        if (bytes.Length > 0) t.bytes = bytes;
        return t;
    }

    private static int ElementSize(string dtype, string path, string name) => dtype switch
    {
        "F64" or "I64" => 8,
        "F32" or "I32" => 4,
        "F16" or "BF16" or "I16" => 2,
        "I8" or "U8" or "BOOL" => 1,
        _ => throw new InvalidDataException($"{path}: tensor '{name}' has unsupported dtype {dtype} (supported: F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL)"),
    };

    private static string DTypeName(ScalarType t) => t switch
    {
        ScalarType.Float32 => "F32",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        ScalarType.Float64 => "F64",
        ScalarType.Int64 => "I64",
        ScalarType.Int32 => "I32",
        ScalarType.Int16 => "I16",
        ScalarType.Int8 => "I8",
        ScalarType.Byte => "U8",
        ScalarType.Bool => "BOOL",
        _ => throw new ArgumentException($"cannot write dtype {t} to safetensors"),
    };
}

public sealed record SafetensorsEntry(string Name, string DType, long[] Shape, long Begin, long End)
{
    public long ByteLength => End - Begin;
}
