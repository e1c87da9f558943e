namespace LeapEngine.Cli.Attribution;

/// <summary>
/// One colour scale for the terminal and the HTML page: red where a unit supported the
/// completion (positive score), blue where it worked against it, white at zero.
/// </summary>
public static class HeatColor
{
    public static (int R, int G, int B) Of(double score, double maxAbs)
    {
        double t = maxAbs > 0 ? Math.Clamp(Math.Abs(score) / maxAbs, 0, 1) : 0;
        int fade = (int)Math.Round(255 * (1 - 0.8 * t));
        return score >= 0 ? (255, fade, fade) : (fade, fade, 255);
    }

    public static string Css(double score, double maxAbs)
    {
        var (r, g, b) = Of(score, maxAbs);
        return $"rgb({r},{g},{b})";
    }
}
