using System.Buffers.Binary;
using System.Text.Json;

namespace LeapEngine.Core.Tests.Tokenization;

/// <summary>
/// Just enough of the safetensors format to read an I64 tensor: an 8-byte little-endian header
/// length, a JSON header {name: {dtype, shape, data_offsets}}, then the raw data.
/// </summary>
internal static class SafetensorsFile
{
    public static long[] ReadInt64(string path, string name)
    {
        var bytes = File.ReadAllBytes(path);
        long headerLength = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        using var header = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength));
        var entry = header.RootElement.GetProperty(name);
        Assert.Equal("I64", entry.GetProperty("dtype").GetString());
        var offsets = entry.GetProperty("data_offsets");
        int start = 8 + (int)headerLength + (int)offsets[0].GetInt64(), end = 8 + (int)headerLength + (int)offsets[1].GetInt64();
        var values = new long[(end - start) / 8];
        for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(start + 8 * i));
        return values;
    }
}
