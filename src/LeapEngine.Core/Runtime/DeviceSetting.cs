using TorchSharp;
using static TorchSharp.torch;

namespace LeapEngine.Core.Runtime;

/// <summary>Parses the device setting ("cpu", "cuda", "cuda:N") and checks it exists here.</summary>
public static class DeviceSetting
{
    public static Device Parse(string? setting)
    {
        var s = string.IsNullOrWhiteSpace(setting) ? "cpu" : setting.Trim().ToLowerInvariant();
        if (s == "cpu") return CPU;
        if (s == "cuda" || s.StartsWith("cuda:"))
        {
            int index = 0;
            if (s.Length > 4 && !int.TryParse(s.AsSpan(5), out index))
                throw new ArgumentException($"device '{setting}': expected cuda:N with N a number");
            if (!cuda.is_available())
                throw new ArgumentException($"device '{setting}' was asked for, but no CUDA device is available here (this build ships the CPU libtorch)");
            if (index < 0 || index >= cuda.device_count())
                throw new ArgumentException($"device '{setting}': there are {cuda.device_count()} CUDA devices");
            return new Device(DeviceType.CUDA, index);
        }
        throw new ArgumentException($"device '{setting}' is not understood; use cpu, cuda or cuda:N");
    }
}
