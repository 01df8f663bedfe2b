//! The reductions that combine per-sample losses into one value.

/// The reduction that turns per-sample losses `lᵢ` into the value of a loss.
///
/// In the formulas, `wᵢ` is the weight of sample `i` (1 when no sample weights are
/// given) and `N` is the number of samples, counted whether or not weights are given.
/// The names in quotes are Keras 3's `reduction` argument values with the same result.
///
/// | variant | Keras 3 | value |
/// | --- | --- | --- |
/// | [`SumOverBatchSize`](Reduction::SumOverBatchSize) | `"sum_over_batch_size"`, also `"mean"` | `Σ wᵢ lᵢ / N` |
/// | [`Sum`](Reduction::Sum) | `"sum"` | `Σ wᵢ lᵢ` |
/// | [`Mean`](Reduction::Mean) | `"mean_with_sample_weight"` | `Σ wᵢ lᵢ / Σ wᵢ`, or 0 when `Σ wᵢ = 0` |
/// | [`None`](Reduction::None) | `None`, `"none"` | no reduction |
///
/// Keras 3's `"mean"` divides by `N` even when weights are given, so it corresponds to
/// `SumOverBatchSize` and not to `Mean`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Reduction {
    /// `Σ wᵢ lᵢ / N`: the weighted sum divided by the number of samples, as Keras 3's
    /// `"sum_over_batch_size"`. Without weights this is the mean, as PyTorch's
    /// `reduction="mean"` for losses that have no class weights.
    #[default]
    SumOverBatchSize,
    /// `Σ wᵢ lᵢ`: the weighted sum, as Keras 3's `"sum"` and PyTorch's `reduction="sum"`.
    Sum,
    /// `Σ wᵢ lᵢ / Σ wᵢ`: the weighted mean, as Keras 3's `"mean_with_sample_weight"`.
    ///
    /// Without weights it equals [`SumOverBatchSize`](Reduction::SumOverBatchSize).
    /// When the weights sum to exactly 0 the value and its gradient are 0, never
    /// `0 / 0`, as Keras 3 does by dividing with `divide_no_nan`.
    Mean,
    /// No reduction: only the per-sample losses are available, as Keras 3's `None` and
    /// PyTorch's `reduction="none"`.
    None,
}
