//! Batch drivers that evaluate a [`RowKernel`] as a [`Loss`](crate::Loss).
//!
//! The loss of sample `i` is the kernel applied to its row: `lᵢ = f(tᵢ, pᵢ)`, where
//! `tᵢ` and `pᵢ` are the `F` elements along the last axis. A 1-D input of length `F`
//! is one sample, as Keras treats a single row of class scores. The value is
//! `Σᵢ wᵢ lᵢ / D` with the divisor `D` of [`Reduction`], and one call to
//! [`RowKernel::reverse`] per row, seeded with `wᵢ / D`, gives both the row's loss and
//! its gradient row.
//!
//! The checks and their order are those of the elementwise drivers, with two more: the
//! row length against the kernel's `require(...)` conditions on `features`, and an index
//! out of bounds in a row, reported with the sample it happened in.

use ndarray::{ArrayD, ArrayViewMutD, IxDyn};

use super::layout::CheckedBatch;
use super::{OutOfBounds, RowKernel};
use crate::sum::sum_map;
use crate::{Batch, LossError, LossFloat, Reduction};

/// Evaluates the reduced loss of `batch`. Never calls [`RowKernel::reverse`].
///
/// # Errors
///
/// Returns [`LossError`] for an invalid hyper-parameter or row length,
/// [`Reduction::None`], unequal or empty inputs, a sample-weight shape that is not
/// accepted, or an index out of bounds in the kernel.
pub fn value<T: LossFloat, K: RowKernel<T>>(
    kernel: &K,
    batch: Batch<'_, T>,
) -> Result<T, LossError> {
    let reduction = check_scalar_reduction(kernel)?;
    let batch = checked_rows(kernel, batch)?;
    let Some(divisor) = divisor(reduction, &batch) else {
        return Ok(T::zero());
    };

    let losses = per_row(&batch, |sample, (y_true, y_pred)| {
        kernel
            .forward(y_true, y_pred)
            .map_err(|error| out_of_bounds::<K, T>(error, sample))
    })?;
    let weighted_sum = sum_map(batch.sample_count, |sample| {
        batch.weight(sample) * losses[sample]
    });
    Ok(weighted_sum / divisor)
}

/// Evaluates the reduced loss of `batch` and writes its gradient with respect to
/// `y_pred` into `grad`, which must have `y_pred`'s shape. Every element is overwritten.
///
/// # Errors
///
/// As [`value`], and for a `grad` whose shape differs from `y_pred`'s. `grad` may be
/// partly written when the kernel reports an index out of bounds.
pub fn value_and_grad_into<T: LossFloat, K: RowKernel<T>>(
    kernel: &K,
    batch: Batch<'_, T>,
    mut grad: ArrayViewMutD<'_, T>,
) -> Result<T, LossError> {
    let reduction = check_scalar_reduction(kernel)?;
    let batch = checked_rows(kernel, batch)?;
    if grad.shape() != batch.input_shape.as_slice() {
        return Err(LossError::GradientShape {
            grad: grad.shape().to_vec(),
            expected: batch.input_shape.clone(),
        });
    }
    let Some(divisor) = divisor(reduction, &batch) else {
        grad.fill(T::zero());
        return Ok(T::zero());
    };

    let mut buffer = vec![T::zero(); batch.y_pred.len()];
    let features = batch.feature_count;
    let losses = per_row(&batch, |sample, (y_true, y_pred)| {
        let seed = batch.weight(sample) / divisor;
        let row_grad = &mut buffer[sample * features..(sample + 1) * features];
        kernel
            .reverse(y_true, y_pred, seed, row_grad)
            .map_err(|error| out_of_bounds::<K, T>(error, sample))
    })?;
    for (element, value) in grad.iter_mut().zip(buffer) {
        *element = value;
    }
    let weighted_sum = sum_map(batch.sample_count, |sample| {
        batch.weight(sample) * losses[sample]
    });
    Ok(weighted_sum / divisor)
}

/// Evaluates the per-sample losses of `batch`, times its sample weights if any, in the
/// shape of the leading axes (`[1]` for a 1-D input), whatever the reduction.
///
/// # Errors
///
/// As [`value`], except that [`Reduction::None`] is accepted.
pub fn per_sample<T: LossFloat, K: RowKernel<T>>(
    kernel: &K,
    batch: Batch<'_, T>,
) -> Result<ArrayD<T>, LossError> {
    kernel.validate()?;
    let batch = checked_rows(kernel, batch)?;
    let losses = per_row(&batch, |sample, (y_true, y_pred)| {
        let loss = kernel
            .forward(y_true, y_pred)
            .map_err(|error| out_of_bounds::<K, T>(error, sample))?;
        Ok(batch.weight(sample) * loss)
    })?;
    let shape = batch.sample_shape.clone();
    Ok(ArrayD::from_shape_vec(IxDyn(&shape), losses)
        .unwrap_or_else(|_| ArrayD::zeros(IxDyn(&shape))))
}

/// A checked batch seen as rows, with the input's own shape kept for messages.
struct Rows<'a, T: Clone> {
    inner: CheckedBatch<'a, T>,
    input_shape: Vec<usize>,
}

impl<'a, T: Clone> std::ops::Deref for Rows<'a, T> {
    type Target = CheckedBatch<'a, T>;

    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

/// Checks the batch and the row length. A 1-D input becomes one row.
fn checked_rows<'a, T: LossFloat, K: RowKernel<T>>(
    kernel: &K,
    batch: Batch<'a, T>,
) -> Result<Rows<'a, T>, LossError> {
    let input_shape = batch.y_pred.shape().to_vec();
    let batch = if input_shape.len() == 1 && batch.y_true.shape() == batch.y_pred.shape() {
        let as_row = |view: ndarray::ArrayViewD<'a, T>| {
            let len = view.len();
            view.into_shape_with_order(IxDyn(&[1, len]))
                .map_err(|_| LossError::EmptyInput { shape: vec![len] })
        };
        Batch {
            y_true: as_row(batch.y_true)?,
            y_pred: as_row(batch.y_pred)?,
            sample_weight: batch.sample_weight,
        }
    } else {
        batch
    };
    let inner = CheckedBatch::new(batch)?;
    kernel.validate_features(inner.feature_count)?;
    Ok(Rows { inner, input_shape })
}

/// Runs `row` on every sample in order, stopping at the first error.
fn per_row<T: LossFloat>(
    batch: &CheckedBatch<'_, T>,
    mut row: impl FnMut(usize, (&[T], &[T])) -> Result<T, LossError>,
) -> Result<Vec<T>, LossError> {
    (0..batch.sample_count)
        .map(|sample| row(sample, batch.sample(sample)))
        .collect()
}

fn out_of_bounds<K: RowKernel<T>, T: LossFloat>(error: OutOfBounds, sample: usize) -> LossError {
    LossError::IndexOutOfBounds {
        loss: K::NAME,
        slice: error.slice,
        index: error.index,
        len: error.len,
        sample,
    }
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

/// The divisor of the weighted sum, or `None` when the reduction is
/// [`Reduction::Mean`] and the weights sum to 0, where value and gradient are 0.
fn divisor<T: LossFloat>(reduction: Reduction, batch: &CheckedBatch<'_, T>) -> Option<T> {
    let weight_sum = match reduction {
        Reduction::Sum => return Some(T::one()),
        Reduction::Mean => batch.weight_sum(),
        Reduction::SumOverBatchSize | Reduction::None => T::from_usize(batch.sample_count),
    };
    if weight_sum == T::zero() {
        None
    } else {
        Some(weight_sum)
    }
}
