using LeapEngine.Cli.Plots;
using SkiaSharp;

namespace LeapEngine.Cli.Tests;

/// <summary>What a benchmark figure must be: a PNG of the plot helpers' size with drawn content, not a blank canvas.</summary>
internal static class PngChecks
{
    public static void AssertDrawn(string path)
    {
        Assert.True(File.Exists(path), path);
        using var bitmap = SKBitmap.Decode(path);
        Assert.NotNull(bitmap);
        Assert.Equal((BenchPlot.Width, BenchPlot.Height), (bitmap.Width, bitmap.Height));
        var colours = new HashSet<uint>();
        for (int y = 0; y < bitmap.Height; y += 7)
            for (int x = 0; x < bitmap.Width; x += 7)
                colours.Add((uint)bitmap.GetPixel(x, y));
        Assert.True(colours.Count > 10, $"{path}: only {colours.Count} colours sampled");
    }
}
