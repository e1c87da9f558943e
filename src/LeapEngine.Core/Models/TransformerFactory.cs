using LeapEngine.Core.Models.Common;
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
        _ => throw new NotSupportedException($"architecture {config.Architecture} is not supported"),
    };

    /// <summary>Builds the network, loads tensors, frees them, moves it to the device and freezes it.</summary>
    public static TransformerModel Build(ModelConfig config, Dictionary<string, Tensor> tensors, string source, Device? device = null)
    {
        try
        {
            var model = Create(config);
            switch (model)
            {
                case Gpt2Model gpt2: gpt2.LoadCheckpoint(tensors, source); break;
                case LlamaModel llama: llama.LoadCheckpoint(tensors, source); break;
            }
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
