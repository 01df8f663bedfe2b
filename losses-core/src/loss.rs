//! The [`Loss`] trait that every batched loss implements, and its input [`Batch`].

use ndarray::{Array, ArrayBase, ArrayD, ArrayViewD, ArrayViewMutD, Data, DataMut, Dimension};

use crate::{LossError, LossFloat, Reduction};

/// The inputs of one loss evaluation, as dynamic-dimensional views.
///
/// The [`Loss`] provided methods build a `Batch` from typed arrays. Build one yourself
/// to call the `evaluate_*` methods through `dyn Loss<T>`.
#[derive(Clone, Debug)]
pub struct Batch<'a, T> {
    /// Targets.
    pub y_true: ArrayViewD<'a, T>,
    /// Predictions, with the shape of `y_true`. Gradients are taken with respect to them.
    pub y_pred: ArrayViewD<'a, T>,
    /// Optional sample weights, in one of the shapes accepted by [`Loss`].
    pub sample_weight: Option<ArrayViewD<'a, T>>,
}

impl<'a, T> Batch<'a, T> {
    /// Creates a batch without sample weights.
    pub fn new(y_true: ArrayViewD<'a, T>, y_pred: ArrayViewD<'a, T>) -> Self {
        Self {
            y_true,
            y_pred,
            sample_weight: None,
        }
    }

    /// Returns the batch with `sample_weight` as its sample weights.
    pub fn with_sample_weight(self, sample_weight: ArrayViewD<'a, T>) -> Self {
        Self {
            sample_weight: Some(sample_weight),
            ..self
        }
    }
}

/// A loss over a batch of samples, with its reverse-mode gradient.
///
/// # Samples and features
///
/// The last axis of `y_true` and `y_pred` is the feature axis and the leading axes index
/// samples, as in Keras 3, where a loss averages over `axis=-1`:
///
/// - an input of shape `[N, F]` has `N` samples, and the loss of each sample is the mean
///   over its `F` features;
/// - an input of shape `[N, T, F]` has `N × T` samples, with per-sample shape `[N, T]`;
/// - a 1-D input of length `N` is `N` samples of one feature each, as in PyTorch. Keras
///   would treat it as one sample of `N` features. The two agree for
///   [`Reduction::SumOverBatchSize`] and [`Reduction::Mean`], but for [`Reduction::Sum`]
///   Keras returns the mean where this crate returns the sum;
/// - a 0-D input is one sample of one feature.
///
/// [`per_sample`](Loss::per_sample) returns the per-sample shape: the leading axes, so
/// `[N]` for both `[N]` and `[N, F]` inputs, `[N, T]` for `[N, T, F]` and `[]` for a 0-D
/// input.
///
/// # Sample weights
///
/// The `*_weighted` methods take one of these sample-weight shapes:
///
/// - the per-sample shape, one weight per sample;
/// - a 1-D array with one weight per sample in row-major order, so of length `N × T`
///   for a per-sample shape `[N, T]`;
/// - a 1-D array of length `N`, the first axis, whose weights are broadcast over the
///   other sample axes.
///
/// [`per_sample_weighted`](Loss::per_sample_weighted) returns the per-sample losses
/// multiplied by their weights. Weights are not checked for sign or finiteness.
/// [`Reduction::Mean`] divides by the sum of the weights over all samples, so a
/// broadcast weight counts once for each sample it applies to. Keras 3 counts it once.
///
/// # Value and gradient
///
/// The value is the per-sample losses combined by [`reduction`](Loss::reduction). The
/// gradient is d(value)/d(`y_pred`): it has the shape of `y_pred` and includes the
/// division by the number of samples, features or the weight sum. The drivers in
/// [`kernel::elementwise`](crate::kernel::elementwise) compute sums in `T` by blocked
/// pairwise summation ([`sum`](crate::sum)), so their results depend only on the
/// values and shapes of the inputs, never on their memory layout.
///
/// # Errors
///
/// Every method returns [`LossError`] for
///
/// - a hyper-parameter outside its domain ([`LossError::InvalidHyperParameter`]);
/// - `y_true` and `y_pred` of different shapes ([`LossError::ShapeMismatch`]);
/// - inputs with no elements ([`LossError::EmptyInput`]);
/// - sample weights of none of the accepted shapes ([`LossError::SampleWeightShape`]);
/// - a gradient output whose shape differs from `y_pred`'s
///   ([`LossError::GradientShape`], `*_into` methods only);
/// - a request for a value or gradient under [`Reduction::None`]
///   ([`LossError::NoScalarValue`], all methods but the `per_sample*` ones);
/// - on a loss evaluated over the whole batch, a request for per-sample losses: a
///   `per_sample*` method, or any method under [`Reduction::None`]
///   ([`LossError::WholeBatchPerSample`]).
///
/// # Implementing
///
/// Implement the four required methods. The provided generic methods require
/// `Self: Sized`, so `dyn Loss<T>` is usable through the `evaluate_*` methods.
pub trait Loss<T: LossFloat> {
    /// Returns the reduction that combines per-sample losses into the value.
    fn reduction(&self) -> Reduction;

    /// Evaluates the reduced loss of `batch`.
    fn evaluate_value(&self, batch: Batch<'_, T>) -> Result<T, LossError>;

    /// Evaluates the reduced loss of `batch` and writes d(value)/d(`y_pred`) into `grad`,
    /// which must have the shape of `y_pred`. Every element of `grad` is overwritten.
    fn evaluate_into(
        &self,
        batch: Batch<'_, T>,
        grad: ArrayViewMutD<'_, T>,
    ) -> Result<T, LossError>;

    /// Evaluates the per-sample losses of `batch`, times its sample weights if any.
    ///
    /// The reduction is ignored, so this works under every reduction.
    fn evaluate_per_sample(&self, batch: Batch<'_, T>) -> Result<ArrayD<T>, LossError>;

    /// Checks the inputs against the loss's domain, such as labels in `[0, 1]`, and
    /// returns [`LossError::InvalidInput`] naming the first element outside it.
    ///
    /// The evaluation methods do not call it: NaN and out-of-domain inputs propagate
    /// to the value, as in Keras and PyTorch. Call it, or wrap the loss in
    /// [`Validated`](crate::Validated), to check: every loss type generated by `#[loss]`
    /// has a `validated()` method that does. The default accepts every input.
    fn validate_inputs(&self, batch: Batch<'_, T>) -> Result<(), LossError> {
        let _ = batch;
        Ok(())
    }
    /// Computes the reduced loss.
    fn value<S1, S2, D, Dt>(
        &self,
        y_true: &ArrayBase<S1, Dt>,
        y_pred: &ArrayBase<S2, D>,
    ) -> Result<T, LossError>
    where
        Self: Sized,
        S1: Data<Elem = T>,
        S2: Data<Elem = T>,
        D: Dimension,
        Dt: Dimension,
        Dt: Dimension,
    {
        self.evaluate_value(unweighted_batch(y_true, y_pred))
    }

    /// Computes the reduced loss and its gradient with respect to `y_pred`.
    ///
    /// The gradient has the shape and dimension type of `y_pred`.
    fn value_and_grad<S1, S2, D, Dt>(
        &self,
        y_true: &ArrayBase<S1, Dt>,
        y_pred: &ArrayBase<S2, D>,
    ) -> Result<(T, Array<T, D>), LossError>
    where
        Self: Sized,
        S1: Data<Elem = T>,
        S2: Data<Elem = T>,
        D: Dimension,
        Dt: Dimension,
        Dt: Dimension,
    {
        let mut grad = Array::zeros(y_pred.raw_dim());
        let value =
            self.evaluate_into(unweighted_batch(y_true, y_pred), grad.view_mut().into_dyn())?;
        Ok((value, grad))
    }

    /// Computes the reduced loss and writes its gradient with respect to `y_pred` into
    /// `grad`, which must have the shape of `y_pred` and may have any memory layout.
    fn value_and_grad_into<S1, S2, S3, D, Dt>(
        &self,
        y_true: &ArrayBase<S1, Dt>,
        y_pred: &ArrayBase<S2, D>,
        grad: &mut ArrayBase<S3, D>,
    ) -> Result<T, LossError>
    where
        Self: Sized,
        S1: Data<Elem = T>,
        S2: Data<Elem = T>,
        S3: DataMut<Elem = T>,
        D: Dimension,
        Dt: Dimension,
        Dt: Dimension,
    {
        self.evaluate_into(unweighted_batch(y_true, y_pred), grad.view_mut().into_dyn())
    }

    /// Computes the per-sample losses, whatever the reduction.
    fn per_sample<S1, S2, D, Dt>(
        &self,
        y_true: &ArrayBase<S1, Dt>,
        y_pred: &ArrayBase<S2, D>,
    ) -> Result<ArrayD<T>, LossError>
    where
        Self: Sized,
        S1: Data<Elem = T>,
        S2: Data<Elem = T>,
        D: Dimension,
        Dt: Dimension,
        Dt: Dimension,
    {
        self.evaluate_per_sample(unweighted_batch(y_true, y_pred))
    }

    /// Computes the reduced loss with sample weights.
    fn value_weighted<S1, S2, S3, D, Dt, Dw>(
        &self,
        y_true: &ArrayBase<S1, Dt>,
        y_pred: &ArrayBase<S2, D>,
        sample_weight: &ArrayBase<S3, Dw>,
    ) -> Result<T, LossError>
    where
        Self: Sized,
        S1: Data<Elem = T>,
        S2: Data<Elem = T>,
        S3: Data<Elem = T>,
        D: Dimension,
        Dt: Dimension,
        Dt: Dimension,
        Dw: Dimension,
    {
        self.evaluate_value(weighted_batch(y_true, y_pred, sample_weight))
    }

    /// Computes the reduced loss with sample weights and its gradient with respect to
    /// `y_pred`, which has the shape and dimension type of `y_pred`.
    fn value_and_grad_weighted<S1, S2, S3, D, Dt, Dw>(
        &self,
        y_true: &ArrayBase<S1, Dt>,
        y_pred: &ArrayBase<S2, D>,
        sample_weight: &ArrayBase<S3, Dw>,
    ) -> Result<(T, Array<T, D>), LossError>
    where
        Self: Sized,
        S1: Data<Elem = T>,
        S2: Data<Elem = T>,
        S3: Data<Elem = T>,
        D: Dimension,
        Dt: Dimension,
        Dt: Dimension,
        Dw: Dimension,
    {
        let mut grad = Array::zeros(y_pred.raw_dim());
        let batch = weighted_batch(y_true, y_pred, sample_weight);
        let value = self.evaluate_into(batch, grad.view_mut().into_dyn())?;
        Ok((value, grad))
    }

    /// Computes the reduced loss with sample weights and writes its gradient with
    /// respect to `y_pred` into `grad`, which must have the shape of `y_pred`.
    fn value_and_grad_weighted_into<S1, S2, S3, S4, D, Dt, Dw>(
        &self,
        y_true: &ArrayBase<S1, Dt>,
        y_pred: &ArrayBase<S2, D>,
        sample_weight: &ArrayBase<S3, Dw>,
        grad: &mut ArrayBase<S4, D>,
    ) -> Result<T, LossError>
    where
        Self: Sized,
        S1: Data<Elem = T>,
        S2: Data<Elem = T>,
        S3: Data<Elem = T>,
        S4: DataMut<Elem = T>,
        D: Dimension,
        Dt: Dimension,
        Dt: Dimension,
        Dw: Dimension,
    {
        let batch = weighted_batch(y_true, y_pred, sample_weight);
        self.evaluate_into(batch, grad.view_mut().into_dyn())
    }

    /// Computes the per-sample losses times their sample weights, whatever the
    /// reduction.
    fn per_sample_weighted<S1, S2, S3, D, Dt, Dw>(
        &self,
        y_true: &ArrayBase<S1, Dt>,
        y_pred: &ArrayBase<S2, D>,
        sample_weight: &ArrayBase<S3, Dw>,
    ) -> Result<ArrayD<T>, LossError>
    where
        Self: Sized,
        S1: Data<Elem = T>,
        S2: Data<Elem = T>,
        S3: Data<Elem = T>,
        D: Dimension,
        Dt: Dimension,
        Dt: Dimension,
        Dw: Dimension,
    {
        self.evaluate_per_sample(weighted_batch(y_true, y_pred, sample_weight))
    }
}

fn unweighted_batch<'a, T, S1, S2, D, Dt>(
    y_true: &'a ArrayBase<S1, Dt>,
    y_pred: &'a ArrayBase<S2, D>,
) -> Batch<'a, T>
where
    S1: Data<Elem = T>,
    S2: Data<Elem = T>,
    D: Dimension,
    Dt: Dimension,
{
    Batch::new(y_true.view().into_dyn(), y_pred.view().into_dyn())
}

fn weighted_batch<'a, T, S1, S2, S3, D, Dt, Dw>(
    y_true: &'a ArrayBase<S1, Dt>,
    y_pred: &'a ArrayBase<S2, D>,
    sample_weight: &'a ArrayBase<S3, Dw>,
) -> Batch<'a, T>
where
    S1: Data<Elem = T>,
    S2: Data<Elem = T>,
    S3: Data<Elem = T>,
    D: Dimension,
    Dt: Dimension,
    Dw: Dimension,
{
    unweighted_batch(y_true, y_pred).with_sample_weight(sample_weight.view().into_dyn())
}

/// Returns the per-sample shape of an input of shape `shape`: all axes but the last, or
/// `[N]` for a 1-D input of length `N`, or `[]` for a 0-D input.
pub(crate) fn per_sample_shape(shape: &[usize]) -> &[usize] {
    match shape.len() {
        0 | 1 => shape,
        rank => &shape[..rank - 1],
    }
}

/// Returns the number of features of each sample of an input of shape `shape`: the
/// length of the last axis, or 1 for a 0-D or 1-D input.
pub(crate) fn feature_count(shape: &[usize]) -> usize {
    match shape.len() {
        0 | 1 => 1,
        rank => shape[rank - 1],
    }
}

/// Lists the accepted sample-weight shapes for the per-sample shape `sample_shape`,
/// without duplicates, in the order the [`Loss`] docs give them.
pub(crate) fn accepted_sample_weight_shapes(sample_shape: &[usize]) -> Vec<Vec<usize>> {
    let sample_count = sample_shape.iter().product();
    let mut shapes = vec![sample_shape.to_vec(), vec![sample_count]];
    if let Some(&rows) = sample_shape.first() {
        shapes.push(vec![rows]);
    }
    let mut unique = Vec::with_capacity(shapes.len());
    for shape in shapes {
        if !unique.contains(&shape) {
            unique.push(shape);
        }
    }
    unique
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_sample_shape_drops_feature_axis() {
        assert_eq!(per_sample_shape(&[]), &[] as &[usize]);
        assert_eq!(per_sample_shape(&[5]), &[5]);
        assert_eq!(per_sample_shape(&[5, 3]), &[5]);
        assert_eq!(per_sample_shape(&[5, 4, 3]), &[5, 4]);
    }

    #[test]
    fn feature_count_is_last_axis_from_rank_two() {
        assert_eq!(feature_count(&[]), 1);
        assert_eq!(feature_count(&[5]), 1);
        assert_eq!(feature_count(&[5, 3]), 3);
        assert_eq!(feature_count(&[5, 4, 3]), 3);
    }

    #[test]
    fn accepted_weight_shapes_by_rank() {
        assert_eq!(accepted_sample_weight_shapes(&[]), vec![vec![], vec![1]]);
        assert_eq!(accepted_sample_weight_shapes(&[5]), vec![vec![5]]);
        assert_eq!(
            accepted_sample_weight_shapes(&[5, 4]),
            vec![vec![5, 4], vec![20], vec![5]]
        );
        assert_eq!(
            accepted_sample_weight_shapes(&[5, 1]),
            vec![vec![5, 1], vec![5]]
        );
    }
}
