namespace LeapEngine.Core.Store;

/// <summary>How a model's files are arranged on disk; the loader picks its reader from this.</summary>
public enum ModelLayout
{
    /// <summary>A Hugging Face folder: config.json, model.safetensors (or an index plus shards) and tokenizer files.</summary>
    HuggingFace,

    /// <summary>A llama2.c checkpoint (.bin) with its SentencePiece tokenizer (.model).</summary>
    Llama2c,
}
