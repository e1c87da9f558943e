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
                throw new ArgumentException($"device '{setting}' was asked for, but no CUDA device is available here: {WhyNoCuda()}");
            if (index < 0 || index >= cuda.device_count())
                throw new ArgumentException($"device '{setting}': there are {cuda.device_count()} CUDA devices");
            return new Device(DeviceType.CUDA, index);
        }
        throw new ArgumentException($"device '{setting}' is not understood; use cpu, cuda or cuda:N");
    }

    /// <summary>
    /// The program's native libtorch is chosen when it is built (build/Torch.props, LeapTorch=cpu|cuda); the CUDA one
    /// puts libtorch_cuda.so beside the program (flat when built for linux-x64, as Directory.Build.props does; under runtimes/ otherwise).
    /// </summary>
    public static bool HasCudaLibtorch()
    {
        var dir = AppContext.BaseDirectory;
        return File.Exists(Path.Combine(dir, "libtorch_cuda.so"))
            || File.Exists(Path.Combine(dir, "runtimes", "linux-x64", "native", "libtorch_cuda.so"));
    }

    private static string WhyNoCuda() => HasCudaLibtorch()
        ? "this program carries the CUDA libtorch, so no GPU or NVIDIA driver is visible to the process " +
          "(check nvidia-smi; in Docker run with --gpus all)"
        : "this program was built with the CPU libtorch; build it with -p:LeapTorch=cuda (docs/serving-models.md, \"GPU\")";
}
