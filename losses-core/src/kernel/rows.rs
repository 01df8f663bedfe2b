//! Batch drivers that evaluate a [`RowKernel`] as a [`Loss`](crate::Loss).
//!
//! The loss of sample `i` is the kernel applied to its row: `lᵢ = f(tᵢ, pᵢ)`, where `pᵢ`
//! holds the `F` elements of `y_pred` along the last axis and `tᵢ` the matching row of
//! `y_true`, or its one value when the kernel takes one target per sample (a class
//! index, a pair label). A 1-D `y_pred` of length `F` is one sample, as Keras treats a
//! single row of class scores. The value is `Σᵢ wᵢ lᵢ / D` with the divisor `D` of
//! [`Reduction`], and one call to [`RowKernel::reverse`] per row, seeded with `wᵢ / D`,
//! gives both the row's loss and its gradient row.
//!
//! The checks and their order are those of the elementwise drivers, with two more: the
//! row length against the kernel's `require(...)` conditions on `features`, and the
//! errors the kernel reports for a row, with the sample they happened in.

use std::borrow::Cow;

use ndarray::{ArrayD, ArrayViewMutD, IxDyn};

use super::layout::{per_sample_weights, to_row_major};
use super::{KernelError, RowKernel, TargetShape};
use crate::sum::{sum_map, sum_slice};
use crate::{Batch, LossError, LossFloat, Reduction};

/// Evaluates the reduced loss of `batch`. Never calls [`RowKernel::reverse`].
///
/// # Errors
///
/// Returns [`LossError`] for an invalid hyper-parameter or row length,
/// [`Reduction::None`], shapes that do not match, empty inputs, a sample-weight shape
/// that is not accepted, or an error the kernel reports for a row.
pub fn value<T: LossFloat, K: RowKernel<T>>(
    kernel: &K,
    batch: Batch<'_, T>,
) -> Result<T, LossError> {
    let reduction = check_scalar_reduction(kernel)?;
    let rows = Rows::new(kernel, batch)?;
    let Some(divisor) = rows.divisor(reduction) else {
        return Ok(T::zero());
    };

    let losses =
        rows.map(|sample, y_true, y_pred| report::<K, T>(kernel.forward(y_true, y_pred), sample))?;
    Ok(rows.weighted_sum(&losses) / divisor)
}

/// Evaluates the reduced loss of `batch` and writes its gradient with respect to
/// `y_pred` into `grad`, which must have `y_pred`'s shape. Every element is overwritten.
///
/// # Errors
///
/// As [`value`], and for a `grad` whose shape differs from `y_pred`'s. `grad` is left
/// unchanged on error.
pub fn value_and_grad_into<T: LossFloat, K: RowKernel<T>>(
    kernel: &K,
    batch: Batch<'_, T>,
    mut grad: ArrayViewMutD<'_, T>,
) -> Result<T, LossError> {
    let reduction = check_scalar_reduction(kernel)?;
    let rows = Rows::new(kernel, batch)?;
    if grad.shape() != rows.input_shape.as_slice() {
        return Err(LossError::GradientShape {
            grad: grad.shape().to_vec(),
            expected: rows.input_shape.clone(),
        });
    }
    let Some(divisor) = rows.divisor(reduction) else {
        grad.fill(T::zero());
        return Ok(T::zero());
    };

    // The kernel adds into its gradient row, so the buffer starts at zero.
    let mut buffer = vec![T::zero(); rows.y_pred.len()];
    let features = rows.features;
    let losses = rows.map(|sample, y_true, y_pred| {
        let seed = rows.weight(sample) / divisor;
        let row_grad = &mut buffer[sample * features..(sample + 1) * features];
        report::<K, T>(kernel.reverse(y_true, y_pred, seed, row_grad), sample)
    })?;
    for (element, value) in grad.iter_mut().zip(buffer) {
        *element = value;
    }
    Ok(rows.weighted_sum(&losses) / divisor)
}

/// Evaluates the per-sample losses of `batch`, times its sample weights if any, in the
/// shape of `y_pred`'s leading axes (`[1]` for a 1-D `y_pred`), whatever the reduction.
///
/// # Errors
///
/// As [`value`], except that [`Reduction::None`] is accepted.
pub fn per_sample<T: LossFloat, K: RowKernel<T>>(
    kernel: &K,
    batch: Batch<'_, T>,
) -> Result<ArrayD<T>, LossError> {
    kernel.validate()?;
    let rows = Rows::new(kernel, batch)?;
    let losses = rows.map(|sample, y_true, y_pred| {
        let loss = report::<K, T>(kernel.forward(y_true, y_pred), sample)?;
        Ok(rows.weight(sample) * loss)
    })?;
    let shape = IxDyn(&rows.sample_shape);
    ArrayD::from_shape_vec(shape, losses).map_err(|_| LossError::EmptyInput {
        shape: rows.input_shape.clone(),
    })
}

/// A batch checked for a row kernel, with each input as a row-major slice.
struct Rows<'a, T: Clone> {
    y_true: Cow<'a, [T]>,
    y_pred: Cow<'a, [T]>,
    weights: Option<Cow<'a, [T]>>,
    /// Shape of `y_pred` as given, for the gradient check and messages.
    input_shape: Vec<usize>,
    /// Shape of the per-sample losses.
    sample_shape: Vec<usize>,
    sample_count: usize,
    /// Row length of `y_pred`.
    features: usize,
    /// Row length of `y_true`: `features`, or 1 for one target per sample.
    target_len: usize,
}

impl<'a, T: LossFloat> Rows<'a, T> {
    fn new<K: RowKernel<T>>(kernel: &K, batch: Batch<'a, T>) -> Result<Self, LossError> {
        let input_shape = batch.y_pred.shape().to_vec();
        let (sample_shape, features) = match input_shape.split_last() {
            Some((&features, leading)) if !leading.is_empty() => (leading.to_vec(), features),
            Some((&features, _)) => (vec![1], features),
            None => (vec![1], 1),
        };
        let target_len = check_target_shape(
            K::TARGET,
            batch.y_true.shape(),
            &input_shape,
            &sample_shape,
            features,
        )?;
        if batch.y_pred.is_empty() {
            return Err(LossError::EmptyInput { shape: input_shape });
        }
        kernel.validate_features(features)?;
        let weights = match batch.sample_weight {
            Some(weights) => Some(per_sample_weights(weights, &sample_shape)?),
            None => None,
        };
        Ok(Self {
            y_true: to_row_major(batch.y_true),
            y_pred: to_row_major(batch.y_pred),
            weights,
            sample_count: sample_shape.iter().product(),
            input_shape,
            sample_shape,
            features,
            target_len,
        })
    }

    /// Runs `row` on every sample in order, stopping at the first error.
    fn map(
        &self,
        mut row: impl FnMut(usize, &[T], &[T]) -> Result<T, LossError>,
    ) -> Result<Vec<T>, LossError> {
        (0..self.sample_count)
            .map(|sample| {
                let target = &self.y_true[sample * self.target_len..(sample + 1) * self.target_len];
                let prediction = &self.y_pred[sample * self.features..(sample + 1) * self.features];
                row(sample, target, prediction)
            })
            .collect()
    }

    fn weight(&self, sample: usize) -> T {
        self.weights
            .as_ref()
            .map_or(T::one(), |weights| weights[sample])
    }

    fn weighted_sum(&self, losses: &[T]) -> T {
        sum_map(self.sample_count, |sample| {
            self.weight(sample) * losses[sample]
        })
    }

    /// The divisor of the weighted sum, or `None` when the reduction is
    /// [`Reduction::Mean`] and the weights sum to 0, where value and gradient are 0.
    fn divisor(&self, reduction: Reduction) -> Option<T> {
        let weight_sum = match reduction {
            Reduction::Sum => return Some(T::one()),
            Reduction::Mean => self
                .weights
                .as_ref()
                .map_or(T::from_usize(self.sample_count), |weights| {
                    sum_slice(weights)
                }),
            Reduction::SumOverBatchSize | Reduction::None => T::from_usize(self.sample_count),
        };
        if weight_sum == T::zero() {
            None
        } else {
            Some(weight_sum)
        }
    }
}

/// Checks `y_true`'s shape against what the kernel takes and returns its row length.
fn check_target_shape(
    target: TargetShape,
    y_true: &[usize],
    y_pred: &[usize],
    sample_shape: &[usize],
    features: usize,
) -> Result<usize, LossError> {
    let mismatch = || LossError::ShapeMismatch {
        y_true: y_true.to_vec(),
        y_pred: y_pred.to_vec(),
    };
    match target {
        TargetShape::Row if y_true == y_pred => Ok(features),
        TargetShape::Row => Err(mismatch()),
        TargetShape::PerSample => {
            // One target per sample: the leading shape, with or without a trailing 1.
            let leading = if y_pred.len() <= 1 {
                &[][..]
            } else {
                sample_shape
            };
            let with_one: Vec<usize> = leading.iter().copied().chain([1]).collect();
            if y_true == leading || y_true == with_one.as_slice() {
                Ok(1)
            } else {
                Err(mismatch())
            }
        }
    }
}

/// Converts a kernel's error for one row into a [`LossError`] naming the sample.
fn report<K: RowKernel<T>, T: LossFloat>(
    result: Result<T, KernelError>,
    sample: usize,
) -> Result<T, LossError> {
    result.map_err(|error| match error {
        KernelError::OutOfBounds { slice, index, len } => LossError::IndexOutOfBounds {
            loss: K::NAME,
            slice,
            index,
            len,
            sample,
        },
        KernelError::InvalidLabel { value } => LossError::InvalidLabel {
            loss: K::NAME,
            value,
            sample,
        },
    })
}

/// Validates the hyper-parameters and returns the reduction, unless it is
/// [`Reduction::None`], which has no scalar value.
fn check_scalar_reduction<T: LossFloat, K: RowKernel<T>>(
    kernel: &K,
) -> Result<Reduction, LossError> {
    kernel.validate()?;
    match kernel.reduction() {
        Reduction::None => Err(LossError::NoScalarValue),
        reduction => Ok(reduction),
    }
}

/// Reads the class index a float label holds: a whole number from 0 up.
///
/// # Errors
///
/// Returns [`KernelError::InvalidLabel`] for a negative, fractional, infinite or NaN
/// label.
pub fn label_index<T: LossFloat>(label: T) -> Result<usize, KernelError> {
    let value = label.to_f64();
    let whole = value >= 0.0 && value.fract() == 0.0 && value < usize::MAX as f64;
    if whole {
        Ok(value as usize)
    } else {
        Err(KernelError::InvalidLabel { value })
    }
}

/// Reads the one target of a sample from its target row.
///
/// # Errors
///
/// Returns [`KernelError::OutOfBounds`] when the row is empty, which the driver's shape
/// check rules out.
pub fn single_target<T: LossFloat>(row: &[T]) -> Result<T, KernelError> {
    row.first().copied().ok_or(KernelError::OutOfBounds {
        slice: "y_true",
        index: 0,
        len: 0,
    })
}
