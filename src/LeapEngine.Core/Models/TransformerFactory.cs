using LeapEngine.Core.Tensors;
using LeapEngine.Core.Models.Common;
using LeapEngine.Core.Models.Gemma2;
using LeapEngine.Core.Models.Gpt2;
using LeapEngine.Core.Models.Llama;
using LeapEngine.Core.Models.Loading;
using TorchSharp;
using static TorchSharp.torch;

namespace LeapEngine.Core.Models;

/// <summary>Builds the network for a config and loads checkpoint tensors into it.</summary>
public static class TransformerFactory
{
    public static TransformerModel Create(ModelConfig config) => config.Architecture switch
    {
        Architecture.Gpt2 => new Gpt2Model(config),
        Architecture.Llama => new LlamaModel(config),
        Architecture.Gemma2 => new Gemma2Model(config),
        _ => throw new NotSupportedException($"architecture {config.Architecture} is not supported"),
    };

    /// <summary>Builds the network, loads tensors, frees them, moves it to the device and freezes it.</summary>
    public static TransformerModel Build(ModelConfig config, Dictionary<string, Tensor> tensors, string source, Device? device = null)
    {
        try
        {
            var model = Create(config);
            model.LoadCheckpoint(tensors, source);
            if (device is not null && device.type != DeviceType.CPU) model.to(device);
            model.Freeze();
            model.eval();
            return model;
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>
    /// A model with random weights (normal, std 0.02; norm weights at 1, so a Gemma 2 norm, which scales by 1 + weight, doubles), for benchmarks and tests
    /// of shapes that no checkpoint on this machine has.
    /// </summary>
    public static TransformerModel CreateRandom(ModelConfig config, long seed, Device? device = null)
    {
        var model = Create(config);
        using (no_grad())
        using (var generator = new torch.Generator((ulong)seed))
        using (var scalars = new ScalarScope())
        {
            var one = scalars.Of(1.0);
            foreach (var (name, p) in model.named_parameters())
            {
                if (p.dim() == 1 && !name.EndsWith("bias")) p.fill_(one);   // norm scales
                else if (p.dim() == 1) p.zero_();
                else p.normal_(0, 0.02, generator);
            }
        }
        if (device is not null && device.type != DeviceType.CPU) model.to(device);
        model.Freeze();
        model.eval();
        return model;
    }

    /// <summary>A Hugging Face folder (config.json + safetensors).</summary>
    public static TransformerModel LoadHuggingFace(string directory, Device? device = null)
    {
        var config = HuggingFaceConfig.Read(Path.Combine(directory, "config.json"));
        return Build(config, HuggingFaceCheckpoint.Read(directory), directory, device);
    }

    /// <summary>A llama2.c .bin checkpoint.</summary>
    public static TransformerModel LoadLlama2c(string checkpointPath, Device? device = null)
    {
        var (config, tensors) = Llama2cCheckpoint.Read(checkpointPath);
        return Build(config, tensors, checkpointPath, device);
    }
}
