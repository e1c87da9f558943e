using System.Buffers.Binary;
using static TorchSharp.torch;

namespace LeapEngine.Core.Models.Loading;

/// <summary>
/// Reads a llama2.c checkpoint (version 0: seven int32 header values, then float32 weights
/// in a fixed order) into Hugging Face Llama tensor names, so one Llama implementation
/// serves both layouts.
/// </summary>
public static class Llama2cCheckpoint
{
    public static (ModelConfig Config, Dictionary<string, Tensor> Tensors) Read(string path)
    {
        using var stream = File.OpenRead(path);
        var header = new byte[28];
        if (stream.Read(header) != 28) throw new InvalidDataException($"{path}: too short for a llama2.c checkpoint");
        int Field(int i) => BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(4 * i));
        int dim = Field(0), hidden = Field(1), layers = Field(2), heads = Field(3), kvHeads = Field(4), vocabRaw = Field(5), seqLen = Field(6);
        bool shared = vocabRaw > 0;
        int vocab = Math.Abs(vocabRaw);
        if (dim <= 0 || hidden <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || vocab == 0 || seqLen <= 0 || dim % heads != 0)
            throw new InvalidDataException($"{path}: implausible llama2.c header (dim {dim}, hidden {hidden}, layers {layers}, heads {heads}, kv_heads {kvHeads}, vocab {vocabRaw}, seq_len {seqLen})");
        int headDim = dim / heads, kvDim = kvHeads * headDim;

        var config = new ModelConfig
        {
            Architecture = Architecture.Llama,
            ModelType = "llama2c",
            VocabSize = vocab,
            DModel = dim,
            NLayers = layers,
            NHeads = heads,
            NKvHeads = kvHeads,
            DHead = headDim,
            DMlp = hidden,
            ContextLength = seqLen,
            NormEps = 1e-5,          // llama2.c's run.c uses 1e-5
            Activation = "silu",
            RopeTheta = 10000.0,
            TiedEmbeddings = shared,
            BosTokenId = 1,
            EosTokenId = 2,
        };
        config.Validate();

        long expectedFloats = (long)vocab * dim + layers * (2L * dim + 2L * dim * dim + 2L * kvDim * dim + 3L * hidden * dim)
                              + dim + (long)seqLen * headDim + (shared ? 0 : (long)vocab * dim);
        if (stream.Length - 28 < expectedFloats * 4)
            throw new InvalidDataException($"{path}: holds {(stream.Length - 28) / 4} floats, the header implies {expectedFloats}");

        var t = new Dictionary<string, Tensor>();
        Tensor Next(params long[] shape)
        {
            var count = shape.Aggregate(1L, (a, b) => a * b);
            var bytes = new byte[count * 4];
            stream.ReadExactly(bytes);
            var tensor = empty(shape, ScalarType.Float32);
            tensor.bytes = bytes;
            return tensor.DetachFromDisposeScope();
        }
        // Weights are stored per kind across all layers: [layers, ...] blocks in this order.
        t["model.embed_tokens.weight"] = Next(vocab, dim);
        void PerLayer(string name, params long[] shape)
        {
            for (int l = 0; l < layers; l++) t[$"model.layers.{l}.{name}"] = Next(shape);
        }
        PerLayer("input_layernorm.weight", dim);
        PerLayer("self_attn.q_proj.weight", dim, dim);
        PerLayer("self_attn.k_proj.weight", kvDim, dim);
        PerLayer("self_attn.v_proj.weight", kvDim, dim);
        PerLayer("self_attn.o_proj.weight", dim, dim);
        PerLayer("post_attention_layernorm.weight", dim);
        PerLayer("mlp.gate_proj.weight", hidden, dim);
        PerLayer("mlp.down_proj.weight", dim, hidden);
        PerLayer("mlp.up_proj.weight", hidden, dim);
        t["model.norm.weight"] = Next(dim);
        stream.Seek((long)seqLen * headDim * 4, SeekOrigin.Current);   // two RoPE tables [seq_len, head_dim/2]: recomputed
        if (!shared) t["lm_head.weight"] = Next(vocab, dim);

        // llama2.c rotates adjacent pairs (0,1), (2,3)...; the shared implementation rotates
        // halves (i, i + d_head/2). Permuting q/k rows within each head maps one onto the other.
        for (int l = 0; l < layers; l++)
        {
            Permute(t, $"model.layers.{l}.self_attn.q_proj.weight", heads, headDim, dim);
            Permute(t, $"model.layers.{l}.self_attn.k_proj.weight", kvHeads, headDim, dim);
        }
        return (config, t);
    }

    private static void Permute(Dictionary<string, Tensor> t, string name, int heads, int headDim, int dim)
    {
        var old = t[name];
        t[name] = old.view(heads, headDim / 2, 2, dim)      // [head, pair, 2, d_model]
            .transpose(1, 2)                                // [head, 2, pair, d_model]
            .reshape(heads * headDim, dim)
            .contiguous()
            .DetachFromDisposeScope();
        old.Dispose();
    }
}
