using LeapEngine.Core.Tensors;
using static TorchSharp.torch;

namespace LeapEngine.Core.Optimisation;

/// <summary>
/// Spherical k-means: clusters unit vectors by cosine, keeping centroids on the unit sphere.
/// Its centroids are the "typical directions" of the embedding space that descent starts from.
/// </summary>
internal static class SphericalKMeans
{
    /// <summary>k unit centroids [k, d] of unit rows [n, d]; starts from k distinct random rows.</summary>
    public static Tensor Centroids(Tensor unitRows, int k, SeededRandom random, int iterations = 20)
    {
        long n = unitRows.shape[0];
        if (k < 1 || k > n) throw new ArgumentException($"k-means needs 1 <= k <= {n} points, got k = {k}");
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var start = tensor(random.Permutation(n).Take(k).ToArray(), device: unitRows.device);
        var centroids = unitRows.index_select(0, start);                                // [k, d]
        using var scalars = new ScalarScope();
        var one = scalars.Of(1L);
        for (int i = 0; i < iterations; i++)
        {
            var assignment = matmul(unitRows, centroids.t()).argmax(1);                 // [n]
            var sums = zeros_like(centroids).index_add_(0, assignment, unitRows, one);        // [k, d]
            var norms = sums.norm(1, keepdim: true);                                      // [k, 1]
            // An empty cluster keeps its previous centroid.
            var moved = sums / norms.ClampMin(1e-12);
            centroids = where(norms.IsGreaterThan(1e-12), moved, centroids);
        }
        return centroids.MoveToOuterDisposeScope();
    }
}
