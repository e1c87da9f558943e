namespace LeapEngine.Core.Attribution;

public enum PerturbationKind { Remove, ReplaceToken, Nearest, Hide }

/// <summary>
/// What "perturbing a unit" means: "remove" (delete its tokens), "token:X" (replace each
/// token by X: an id or a text that is one token), "nearest:N" (replace each token by its
/// N-th nearest token by cosine in the model's input embedding; -1 = farthest, -N = N-th
/// farthest) or "hide" (keep the tokens and their positions, but no other token attends to them).
/// </summary>
public sealed record PerturbationSpec(PerturbationKind Kind, string? Token = null, int Rank = 0)
{
    public static PerturbationSpec Remove { get; } = new(PerturbationKind.Remove);

    public static PerturbationSpec Parse(string? text)
    {
        var s = (text ?? "remove").Trim();
        var lower = s.ToLowerInvariant();
        if (lower == "remove") return Remove;
        if (lower == "hide") return new PerturbationSpec(PerturbationKind.Hide);
        if (lower.StartsWith("token:", StringComparison.Ordinal))
        {
            var token = s["token:".Length..];
            if (token.Length == 0) throw new ArgumentException("perturbation 'token:X' needs a token after the colon (an id or a one-token text)");
            return new PerturbationSpec(PerturbationKind.ReplaceToken, Token: token);
        }
        if (lower.StartsWith("nearest:", StringComparison.Ordinal))
        {
            if (int.TryParse(lower["nearest:".Length..], out int n) && n != 0) return new PerturbationSpec(PerturbationKind.Nearest, Rank: n);
            throw new ArgumentException($"perturbation '{text}': N must be a non-zero integer (1 = nearest, -1 = farthest)");
        }
        throw new ArgumentException($"unknown perturbation '{text}'; use remove, token:X, nearest:N or hide");
    }

    public override string ToString() => Kind switch
    {
        PerturbationKind.Remove => "remove",
        PerturbationKind.Hide => "hide",
        PerturbationKind.ReplaceToken => $"token:{Token}",
        _ => $"nearest:{Rank}",
    };
}
