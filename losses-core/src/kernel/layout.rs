//! Input checks and the sample/feature view of a batch that the drivers loop over.
//!
//! Checking a batch in standard layout allocates nothing, whatever its weights: the
//! inputs are borrowed, the shape is an `IxDyn`, which stores up to four axes inline,
//! and weights broadcast from the first axis are looked up, not repeated.

use std::borrow::Cow;

use ndarray::{ArrayViewD, Dimension, IxDyn};

use crate::loss::{accepted_sample_weight_shapes, feature_count, per_sample_shape};
use crate::sum::sum_map;
use crate::{Batch, LossError, LossFloat};

/// A batch whose shapes have been checked, with each input as a row-major slice.
///
/// Sample `s` owns the elements `s * feature_count..(s + 1) * feature_count` of
/// `y_true` and `y_pred`.
pub(super) struct CheckedBatch<'a, T: Clone> {
    pub(super) y_true: Cow<'a, [T]>,
    pub(super) y_pred: Cow<'a, [T]>,
    /// The sample weights, if any, in row-major order: one per sample, or one per
    /// `samples_per_weight` consecutive samples when broadcast from the first axis.
    weights: Option<Cow<'a, [T]>>,
    samples_per_weight: usize,
    /// Shape of `y_true` and `y_pred`.
    shape: IxDyn,
    pub(super) sample_count: usize,
    pub(super) feature_count: usize,
}

impl<'a, T: LossFloat> CheckedBatch<'a, T> {
    /// Checks that the inputs have equal shapes and at least one element, and that the
    /// sample weights have an accepted shape.
    pub(super) fn new(batch: Batch<'a, T>) -> Result<Self, LossError> {
        check_input_shapes(&batch.y_true, &batch.y_pred)?;
        let shape = batch.y_pred.raw_dim();
        let feature_count = feature_count(shape.slice());
        let sample_count = batch.y_pred.len() / feature_count;
        let (weights, samples_per_weight) = match batch.sample_weight {
            Some(weights) => {
                check_weight_shape(&weights, per_sample_shape(shape.slice()))?;
                // Every accepted shape has one weight per sample or one per first-axis
                // index, and the sample count is positive, so the count divides it.
                let samples_per_weight = sample_count / weights.len();
                (Some(to_row_major(weights)), samples_per_weight)
            }
            None => (None, 1),
        };

        Ok(Self {
            y_true: to_row_major(batch.y_true),
            y_pred: to_row_major(batch.y_pred),
            weights,
            samples_per_weight,
            shape,
            sample_count,
            feature_count,
        })
    }

    /// Returns the shape of `y_true` and `y_pred`.
    pub(super) fn shape(&self) -> &[usize] {
        self.shape.slice()
    }

    /// Returns the per-sample shape.
    pub(super) fn sample_shape(&self) -> &[usize] {
        per_sample_shape(self.shape.slice())
    }

    /// Returns whether the batch has sample weights.
    pub(super) fn is_weighted(&self) -> bool {
        self.weights.is_some()
    }

    /// Returns the weight of sample `sample`: 1 without sample weights.
    #[inline(always)]
    pub(super) fn weight(&self, sample: usize) -> T {
        match &self.weights {
            Some(weights) if self.samples_per_weight == 1 => weights[sample],
            Some(weights) => weights[sample / self.samples_per_weight],
            None => T::one(),
        }
    }

    /// Returns the sum of the weights of all samples: the sample count without sample
    /// weights. A broadcast weight counts once for each sample it applies to.
    pub(super) fn weight_sum(&self) -> T {
        match &self.weights {
            Some(_) => sum_map(self.sample_count, |sample| self.weight(sample)),
            None => T::from_usize(self.sample_count),
        }
    }
}

/// Checks that `weights` has one of the shapes that
/// [`accepted_sample_weight_shapes`] lists for `sample_shape`, without allocating
/// unless the shape is rejected.
fn check_weight_shape<T>(
    weights: &ArrayViewD<'_, T>,
    sample_shape: &[usize],
) -> Result<(), LossError> {
    let shape = weights.shape();
    let sample_count: usize = sample_shape.iter().product();
    let accepted = shape == sample_shape
        || shape == [sample_count]
        || sample_shape.first().is_some_and(|&rows| shape == [rows]);
    if accepted {
        return Ok(());
    }
    Err(LossError::SampleWeightShape {
        sample_weight: shape.to_vec(),
        expected: sample_shape.to_vec(),
    })
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

/// Checks that `y_true` and `y_pred` have the same shape and at least one element.
fn check_input_shapes<T>(
    y_true: &ArrayViewD<'_, T>,
    y_pred: &ArrayViewD<'_, T>,
) -> Result<(), LossError> {
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
    Ok(())
}

/// Returns the elements of `view` in row-major order: borrowed when the view is in
/// standard layout, or else copied.
pub(super) fn to_row_major<T: Copy>(view: ArrayViewD<'_, T>) -> Cow<'_, [T]> {
    match view.to_slice() {
        Some(slice) => Cow::Borrowed(slice),
        None => Cow::Owned(view.iter().copied().collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::ArrayD;

    /// Lists every shape of rank 0 to 2 with axes up to 3, as candidate weight shapes.
    fn small_shapes() -> Vec<Vec<usize>> {
        let mut shapes = vec![vec![]];
        for a in 0..=3 {
            shapes.push(vec![a]);
            for b in 0..=3 {
                shapes.push(vec![a, b]);
            }
        }
        shapes
    }

    #[test]
    fn weight_check_accepts_the_listed_shapes() {
        for sample_shape in [vec![], vec![3], vec![3, 2], vec![2, 1], vec![3, 2, 1]] {
            let listed = accepted_sample_weight_shapes(&sample_shape);
            for shape in small_shapes() {
                let weights = ArrayD::<f32>::zeros(IxDyn(&shape));
                let accepted = check_weight_shape(&weights.view(), &sample_shape).is_ok();
                assert_eq!(
                    accepted,
                    listed.contains(&shape),
                    "sample shape {sample_shape:?}, weight shape {shape:?}"
                );
            }
        }
    }
}
