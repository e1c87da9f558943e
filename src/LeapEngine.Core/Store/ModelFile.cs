namespace LeapEngine.Core.Store;

/// <summary>A file a built-in model needs.</summary>
/// <param name="Path">Path inside the hub repository, with '/' separators; also its path under the models dir
/// for llama2.c built-ins.</param>
/// <param name="Sha256">Lower-case hex sha256 when we know it, so a download can be verified even when the
/// hub sends no usable ETag.</param>
/// <param name="Optional">A missing optional file (404) does not fail the download.</param>
public sealed record ModelFile(string Path, string? Sha256 = null, bool Optional = false);
