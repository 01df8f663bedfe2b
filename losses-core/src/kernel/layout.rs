//! Input checks and the sample/feature view of a batch that the drivers loop over.

use std::borrow::Cow;

use ndarray::ArrayViewD;

use crate::loss::{accepted_sample_weight_shapes, feature_count, per_sample_shape};
use crate::sum::sum_slice;
use crate::{Batch, LossError, LossFloat};

/// A batch whose shapes have been checked, with each input as a row-major slice.
///
/// Sample `s` owns the elements `s * feature_count..(s + 1) * feature_count` of
/// `y_true` and `y_pred`.
pub(super) struct CheckedBatch<'a, T: Clone> {
    pub(super) y_true: Cow<'a, [T]>,
    pub(super) y_pred: Cow<'a, [T]>,
    /// One weight per sample, if the batch has sample weights.
    pub(super) weights: Option<Cow<'a, [T]>>,
    /// Shape of `y_true` and `y_pred`.
    pub(super) shape: Vec<usize>,
    pub(super) sample_shape: Vec<usize>,
    pub(super) sample_count: usize,
    pub(super) feature_count: usize,
}

impl<'a, T: LossFloat> CheckedBatch<'a, T> {
    /// Checks that the inputs have equal shapes and at least one element, and that the
    /// sample weights have an accepted shape.
    pub(super) fn new(batch: Batch<'a, T>) -> Result<Self, LossError> {
        let shape = check_input_shapes(&batch.y_true, &batch.y_pred)?;
        let sample_shape = per_sample_shape(&shape).to_vec();
        let feature_count = feature_count(&shape);
        let sample_count = batch.y_pred.len() / feature_count;
        let weights = match batch.sample_weight {
            Some(weights) => Some(per_sample_weights(weights, &sample_shape)?),
            None => None,
        };

        Ok(Self {
            y_true: to_row_major(batch.y_true),
            y_pred: to_row_major(batch.y_pred),
            weights,
            shape,
            sample_shape,
            sample_count,
            feature_count,
        })
    }

    /// Returns the `y_true` and `y_pred` elements of sample `sample`.
    pub(super) fn sample(&self, sample: usize) -> (&[T], &[T]) {
        let range = self.sample_range(sample);
        (&self.y_true[range.clone()], &self.y_pred[range])
    }

    /// Returns the element indices of sample `sample` in the row-major inputs.
    pub(super) fn sample_range(&self, sample: usize) -> std::ops::Range<usize> {
        let start = sample * self.feature_count;
        start..start + self.feature_count
    }

    /// Returns the weight of sample `sample`: 1 without sample weights.
    pub(super) fn weight(&self, sample: usize) -> T {
        match &self.weights {
            Some(weights) => weights[sample],
            None => T::one(),
        }
    }

    /// Returns the sum of the weights of all samples: the sample count without sample
    /// weights.
    pub(super) fn weight_sum(&self) -> T {
        match &self.weights {
            Some(weights) => sum_slice(weights),
            None => T::from_usize(self.sample_count),
        }
    }
}

/// Returns one weight per sample, in row-major sample order, from sample weights of
/// any accepted shape.
pub(super) fn per_sample_weights<'a, T: LossFloat>(
    weights: ArrayViewD<'a, T>,
    sample_shape: &[usize],
) -> Result<Cow<'a, [T]>, LossError> {
    if !accepted_sample_weight_shapes(sample_shape).contains(&weights.shape().to_vec()) {
        return Err(LossError::SampleWeightShape {
            sample_weight: weights.shape().to_vec(),
            expected: sample_shape.to_vec(),
        });
    }

    // Every accepted shape has one weight per sample or one per first-axis index, and
    // the sample count is positive, so the weight count divides it.
    let sample_count: usize = sample_shape.iter().product();
    let samples_per_weight = sample_count / weights.len();
    let weights = to_row_major(weights);
    if samples_per_weight == 1 {
        return Ok(weights);
    }

    // Weights broadcast from the first axis are repeated for each sample of their row,
    // so that a lookup needs no division.
    let repeated = weights
        .iter()
        .flat_map(|&weight| std::iter::repeat_n(weight, samples_per_weight))
        .collect();
    Ok(Cow::Owned(repeated))
}

/// Returns the common shape of `y_true` and `y_pred`.
fn check_input_shapes<T>(
    y_true: &ArrayViewD<'_, T>,
    y_pred: &ArrayViewD<'_, T>,
) -> Result<Vec<usize>, LossError> {
    if y_true.shape() != y_pred.shape() {
        return Err(LossError::ShapeMismatch {
            y_true: y_true.shape().to_vec(),
            y_pred: y_pred.shape().to_vec(),
        });
    }
    if y_pred.is_empty() {
        return Err(LossError::EmptyInput {
            shape: y_pred.shape().to_vec(),
        });
    }
    Ok(y_pred.shape().to_vec())
}

/// Returns the elements of `view` in row-major order: borrowed when the view is in
/// standard layout, or else copied.
pub(super) fn to_row_major<T: Copy>(view: ArrayViewD<'_, T>) -> Cow<'_, [T]> {
    match view.to_slice() {
        Some(slice) => Cow::Borrowed(slice),
        None => Cow::Owned(view.iter().copied().collect()),
    }
}
