namespace LeapEngine.Core.Store;

/// <summary>
/// Validation of model ids, revisions and repository file paths. Ids become folder names and
/// URL segments, so anything that could climb out of a folder or change a URL is rejected
/// before it touches the disk or the network.
/// </summary>
internal static class ModelIds
{
    private const int MaxSegmentLength = 96;

    /// <summary>Checks a model id ("name" or "owner/name") and returns it unchanged.</summary>
    public static string ValidateId(string id)
    {
        if (string.IsNullOrWhiteSpace(id))
            throw new ArgumentException("A model id is required (e.g. \"stories260K\", \"gpt2\" or \"owner/name\").", nameof(id));
        var segments = id.Split('/');
        if (segments.Length > 2)
            throw Invalid(id, "a hub id has the form owner/name (at most one '/')");
        foreach (var segment in segments) CheckSegment(id, segment);
        return id;
    }

    /// <summary>Whether <paramref name="id"/> passes <see cref="ValidateId"/>.</summary>
    public static bool IsValidId(string id)
    {
        try { ValidateId(id); return true; }
        catch (ArgumentException) { return false; }
    }

    /// <summary>Checks a revision (branch, tag or commit; may contain '/', e.g. "refs/pr/1").</summary>
    public static string ValidateRevision(string revision)
    {
        if (string.IsNullOrWhiteSpace(revision))
            throw new ArgumentException("The revision is empty; use \"main\" for the default branch.", nameof(revision));
        foreach (var segment in revision.Split('/'))
        {
            if (segment.Length == 0 || segment is "." or ".." || !segment.All(IsIdChar))
                throw new ArgumentException(
                    $"Invalid revision '{revision}': use letters, digits, '.', '_', '-' and '/' separators.", nameof(revision));
        }
        return revision;
    }

    /// <summary>
    /// Checks a path inside a repository (e.g. a shard name from an index file, which comes from
    /// the network): relative, '/'-separated, no "." or ".." segments.
    /// </summary>
    public static bool IsSafeRelativePath(string path) =>
        path.Length > 0 && path.Length < 1024
        && path.Split('/').All(s => s.Length > 0 && s is not "." and not ".." && s.All(c => IsIdChar(c) || c == ' ' || c == '+'));

    /// <summary>The cache folder name of a revision: '/' would nest folders, so it is escaped.</summary>
    public static string RevisionFolder(string revision) => revision.Replace("/", "%2F", StringComparison.Ordinal);

    private static void CheckSegment(string id, string segment)
    {
        if (segment.Length == 0)
            throw Invalid(id, "it has an empty part (leading, trailing or doubled '/')");
        if (segment is "." or ".." || segment.Contains("..", StringComparison.Ordinal))
            throw Invalid(id, "'.' and '..' are not allowed");
        if (segment.Length > MaxSegmentLength)
            throw Invalid(id, $"a part is longer than {MaxSegmentLength} characters");
        var bad = segment.FirstOrDefault(c => !IsIdChar(c));
        if (bad != default)
            throw Invalid(id, $"character '{bad}' is not allowed; use letters, digits, '.', '_' and '-'");
    }

    private static bool IsIdChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-';

    private static ArgumentException Invalid(string id, string why) =>
        new($"'{id}' is neither an existing model folder or .bin file nor a valid model id: {why}.", "idOrPath");
}
