//! Batch drivers that evaluate a [`RowKernel`] as a [`Loss`](crate::Loss).
//!
//! The loss of sample `i` is the kernel applied to its row: `lᵢ = f(tᵢ, pᵢ)`, where `pᵢ`
//! holds the `F` elements of `y_pred` along the last axis and `tᵢ` the matching row of
//! `y_true`, or its one value when the kernel takes one target per sample (a class
//! index, a pair label). A 1-D `y_pred` of length `F` is one sample, as Keras treats a
//! single row of class scores. These drivers run the multi-input drivers of
//! [`multi`] with `y_pred` as the one input, so both kinds of loss follow
//! the same shape rules, reductions and errors.

use ndarray::{ArrayD, ArrayViewMutD};

use super::multi::{self, MultiBatch};
use super::{KernelError, MultiRowKernel, RowKernel, TargetShape};
use crate::{Batch, LossError, LossFloat, Reduction};

/// Evaluates the reduced loss of `batch`. Never calls [`RowKernel::reverse`].
///
/// # Errors
///
/// Returns [`LossError`] for an invalid hyper-parameter or row length,
/// [`Reduction::None`], shapes that do not match, empty inputs, a sample-weight shape
/// that is not accepted, or an error the kernel reports for a row.
pub fn value<T: LossFloat, K: RowKernel<T> + Sync>(
    kernel: &K,
    batch: Batch<'_, T>,
) -> Result<T, LossError> {
    multi::value(&OneInput(kernel), one_input(batch))
}

/// Evaluates the reduced loss of `batch` and writes its gradient with respect to
/// `y_pred` into `grad`, which must have `y_pred`'s shape. Every element is overwritten.
///
/// # Errors
///
/// As [`value`], and for a `grad` whose shape differs from `y_pred`'s. `grad` is left
/// unchanged on every error but one that the kernel reports for a row, as the
/// multi-input driver documents.
pub fn value_and_grad_into<T: LossFloat, K: RowKernel<T> + Sync>(
    kernel: &K,
    batch: Batch<'_, T>,
    grad: ArrayViewMutD<'_, T>,
) -> Result<T, LossError> {
    multi::value_and_grad_into(&OneInput(kernel), one_input(batch), vec![grad])
}

/// Evaluates the per-sample losses of `batch`, times its sample weights if any, in the
/// shape of `y_pred`'s leading axes (`[1]` for a 1-D `y_pred`), whatever the reduction.
///
/// # Errors
///
/// As [`value`], except that [`Reduction::None`] is accepted.
pub fn per_sample<T: LossFloat, K: RowKernel<T> + Sync>(
    kernel: &K,
    batch: Batch<'_, T>,
) -> Result<ArrayD<T>, LossError> {
    multi::per_sample(&OneInput(kernel), one_input(batch))
}

fn one_input<T>(batch: Batch<'_, T>) -> MultiBatch<'_, T> {
    MultiBatch {
        y_true: Some(batch.y_true),
        inputs: vec![batch.y_pred],
        sample_weight: batch.sample_weight,
    }
}

/// A row kernel seen as a multi-input kernel whose one input is `y_pred`.
struct OneInput<'k, K>(&'k K);

impl<T: LossFloat, K: RowKernel<T>> MultiRowKernel<T> for OneInput<'_, K> {
    const NAME: &'static str = K::NAME;
    const TARGET: Option<TargetShape> = Some(K::TARGET);
    const INPUTS: &'static [&'static str] = &["y_pred"];
    const SETS_GRADIENTS: &'static [bool] = &[K::SETS_GRADIENT];

    fn reduction(&self) -> Reduction {
        self.0.reduction()
    }

    fn validate(&self) -> Result<(), LossError> {
        self.0.validate()
    }

    fn validate_features(&self, row_lens: &[usize]) -> Result<(), LossError> {
        row_lens
            .iter()
            .try_for_each(|&features| self.0.validate_features(features))
    }

    fn excluded(&self, y_true: &[T]) -> bool {
        self.0.excluded(y_true)
    }

    // Inlined into the drivers' loops, which are compiled for each instruction set
    // level: a call that is not inlined runs at the baseline level.
    #[inline(always)]
    fn forward(&self, y_true: &[T], inputs: &[&[T]]) -> Result<T, KernelError> {
        match inputs {
            [y_pred] => self.0.forward(y_true, y_pred),
            _ => Err(KernelError::OutOfBounds {
                slice: "inputs",
                index: 0,
                len: inputs.len(),
            }),
        }
    }

    #[inline(always)]
    fn reverse(
        &self,
        y_true: &[T],
        inputs: &[&[T]],
        seed: T,
        grads: &mut [&mut [T]],
    ) -> Result<T, KernelError> {
        match (inputs, grads) {
            ([y_pred], [grad]) => self.0.reverse(y_true, y_pred, seed, grad),
            _ => Err(KernelError::OutOfBounds {
                slice: "inputs",
                index: 0,
                len: inputs.len(),
            }),
        }
    }
}

/// Reads the class index a float label holds: a whole number from 0 up.
///
/// # Errors
///
/// Returns [`KernelError::InvalidLabel`] for a negative, fractional, infinite or NaN
/// label, and for a whole number too large for `usize`, such as `1e30`.
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
/// Returns [`KernelError::OutOfBounds`] when the row is empty, which the drivers' shape
/// check rules out.
pub fn single_target<T: LossFloat>(row: &[T]) -> Result<T, KernelError> {
    row.first().copied().ok_or(KernelError::OutOfBounds {
        slice: "y_true",
        index: 0,
        len: 0,
    })
}

/// Checks every row against [`RowKernel::invalid_inputs`] and reports the first element
/// outside the loss's domain, with its index in `y_pred`.
///
/// # Errors
///
/// Returns the input checks' errors of [`value`], or [`LossError::InvalidInput`].
pub fn validate_inputs<T: LossFloat, K: RowKernel<T>>(
    kernel: &K,
    batch: Batch<'_, T>,
) -> Result<(), LossError> {
    let shape = batch.y_pred.shape().to_vec();
    let features = shape.last().copied().unwrap_or(1);
    let found = multi::find_row(
        &OneInput(kernel),
        one_input(batch),
        |sample, y_true, inputs| {
            let y_pred = inputs.first()?;
            let (offset, condition) = kernel.invalid_inputs(y_true, y_pred)?;
            let target = y_true
                .get(offset)
                .or(y_true.first())
                .map_or(f64::NAN, |value| crate::LossFloat::to_f64(*value));
            let prediction = y_pred
                .get(offset)
                .map_or(f64::NAN, |value| crate::LossFloat::to_f64(*value));
            Some((sample * features + offset, condition, target, prediction))
        },
    )?;
    match found {
        None => Ok(()),
        Some((position, condition, y_true, y_pred)) => Err(LossError::InvalidInput {
            loss: K::NAME,
            index: super::elementwise::unravel(position, &shape),
            condition,
            y_true,
            y_pred,
        }),
    }
}
