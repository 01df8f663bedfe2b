//! Batch drivers that evaluate an [`ElementwiseKernel`] as a [`Loss`](crate::Loss).
//!
//! Each driver runs these checks in this order and returns the first failure:
//!
//! 1. the hyper-parameters, by [`ElementwiseKernel::validate`];
//! 2. the reduction, which must not be [`Reduction::None`] when a scalar is requested;
//! 3. the input shapes, which must be equal and have at least one element;
//! 4. the sample-weight shape;
//! 5. the gradient shape.
//!
//! The conventions for samples, features and weights are those documented on
//! [`Loss`](crate::Loss).
//!
//! The loss of sample `i` with features `j = 1..F` is `lᵢ = (1/F) Σⱼ forward(tᵢⱼ, pᵢⱼ)`.
//! The value is `Σᵢ wᵢ lᵢ / D`, where the divisor `D` is the sample count `N`, 1 or
//! `Σᵢ wᵢ` as [`Reduction`] defines, so the gradient entry for element `ij` is
//! `wᵢ / (D F) × d forward(tᵢⱼ, pᵢⱼ) / d pᵢⱼ`. One call to
//! [`ElementwiseKernel::reverse`] per element, with that factor as its seed, gives both
//! the element's loss and its gradient entry.
//!
//! Inputs in standard (row-major, contiguous) layout are read in place. Inputs in any
//! other layout are first copied into row-major order, so that the result is the same
//! bit for bit.
//!
//! The loops run at the instruction set level that [`simd`] picks, and
//! with the `parallel` feature on the threads of the current rayon pool. Neither choice
//! changes a bit of the value or the gradient. For inputs, a gradient and sample
//! weights in standard layout, [`value`] and [`value_and_grad_into`] allocate no
//! memory, apart from what rayon may allocate to hand work to its threads.

use ndarray::{ArrayD, ArrayViewMutD, IxDyn};

use super::ElementwiseKernel;
use super::layout::CheckedBatch;
use super::parallel;
use super::pass::{Gradient, PerSampleJob};
use crate::simd::{self, SupportedLevel};
use crate::{Batch, LossError, LossFloat, Real, Reduction};

/// Evaluates `$body` with `$k` bound to the copy of `$kernel` (of type `$K`) for its
/// hyper-parameters. The tests of `VARIANTS` are constants once `$K` is known, so the
/// compiler drops the arms that the kernel cannot take.
macro_rules! with_variant {
    ($K:ty, $kernel:expr, |$k:ident| $body:expr) => {
        if <$K>::VARIANTS >= 4 {
            match $kernel.variant() {
                0 => {
                    let $k = &Variant::<$K, 0>($kernel);
                    $body
                }
                1 => {
                    let $k = &Variant::<$K, 1>($kernel);
                    $body
                }
                2 => {
                    let $k = &Variant::<$K, 2>($kernel);
                    $body
                }
                _ => {
                    let $k = &Variant::<$K, 3>($kernel);
                    $body
                }
            }
        } else if <$K>::VARIANTS >= 2 {
            match $kernel.variant() {
                0 => {
                    let $k = &Variant::<$K, 0>($kernel);
                    $body
                }
                _ => {
                    let $k = &Variant::<$K, 1>($kernel);
                    $body
                }
            }
        } else {
            let $k = $kernel;
            $body
        }
    };
}

/// Evaluates the reduced loss of `batch`. Never calls [`ElementwiseKernel::reverse`].
///
/// # Errors
///
/// Returns [`LossError`] for an invalid hyper-parameter, [`Reduction::None`], unequal or
/// empty inputs, or a sample-weight shape that is not accepted.
pub fn value<T: LossFloat, K: ElementwiseKernel<T> + Sync>(
    kernel: &K,
    batch: Batch<'_, T>,
) -> Result<T, LossError> {
    let reduction = check_scalar_reduction(kernel)?;
    let batch = CheckedBatch::new(batch)?;
    let Some(divisor) = divisor(reduction, &batch) else {
        return Ok(T::zero());
    };

    let level = SupportedLevel::current();
    let weighted_sum = with_variant!(K, kernel, |k| parallel::sum(level, k, &batch, None));
    Ok(weighted_sum / divisor)
}

/// Evaluates the reduced loss of `batch` and writes its gradient with respect to
/// `y_pred` into `grad`, in one pass over the elements.
///
/// `grad` must have the shape of `y_pred` and may have any memory layout. Every
/// element is overwritten.
///
/// # Errors
///
/// Returns [`LossError`] for an invalid hyper-parameter, [`Reduction::None`], unequal or
/// empty inputs, a sample-weight shape that is not accepted, or a `grad` whose shape
/// differs from `y_pred`'s. `grad` is left unchanged on error.
pub fn value_and_grad_into<T: LossFloat, K: ElementwiseKernel<T> + Sync>(
    kernel: &K,
    batch: Batch<'_, T>,
    mut grad: ArrayViewMutD<'_, T>,
) -> Result<T, LossError> {
    let reduction = check_scalar_reduction(kernel)?;
    let batch = CheckedBatch::new(batch)?;
    if grad.shape() != batch.shape() {
        return Err(LossError::GradientShape {
            grad: grad.shape().to_vec(),
            expected: batch.shape().to_vec(),
        });
    }
    let Some(divisor) = divisor(reduction, &batch) else {
        grad.fill(T::zero());
        return Ok(T::zero());
    };

    // The seed of an element of a sample of weight 1: d(value)/d(loss of the element).
    let seed_per_weight = T::one() / (divisor * T::from_usize(batch.feature_count));
    let level = SupportedLevel::current();
    let weighted_sum = write_row_major(grad, |entries| {
        let gradient = Gradient {
            entries,
            seed_per_weight,
        };
        with_variant!(K, kernel, |k| parallel::sum(
            level,
            k,
            &batch,
            Some(gradient)
        ))
    });
    Ok(weighted_sum / divisor)
}

/// Evaluates the per-sample losses of `batch`, times its sample weights if any,
/// whatever the kernel's reduction.
///
/// # Errors
///
/// Returns [`LossError`] for an invalid hyper-parameter, unequal or empty inputs, or a
/// sample-weight shape that is not accepted.
pub fn per_sample<T: LossFloat, K: ElementwiseKernel<T> + Sync>(
    kernel: &K,
    batch: Batch<'_, T>,
) -> Result<ArrayD<T>, LossError> {
    kernel.validate()?;
    let batch = CheckedBatch::new(batch)?;

    let mut losses = ArrayD::zeros(IxDyn(batch.sample_shape()));
    // A fresh array is in standard layout, so its slice is in sample order.
    let slice = losses
        .as_slice_mut()
        .expect("a new array is in standard layout");
    let level = SupportedLevel::current();
    with_variant!(K, kernel, |k| {
        let job = PerSampleJob {
            kernel: k,
            batch: &batch,
            losses: slice,
        };
        simd::run(level, job)
    });
    Ok(losses)
}

/// A kernel whose element functions are copy `V` of `K`'s.
struct Variant<'k, K, const V: usize>(&'k K);

impl<T: LossFloat, K: ElementwiseKernel<T>, const V: usize> ElementwiseKernel<T>
    for Variant<'_, K, V>
{
    const NAME: &'static str = K::NAME;

    fn reduction(&self) -> Reduction {
        self.0.reduction()
    }

    fn validate(&self) -> Result<(), LossError> {
        self.0.validate()
    }

    #[inline(always)]
    fn forward<W: Real<Scalar = T>>(&self, y_true: W, y_pred: W) -> W {
        self.0.forward_variant::<V, W>(y_true, y_pred)
    }

    #[inline(always)]
    fn reverse<W: Real<Scalar = T>>(&self, y_true: W, y_pred: W, seed: W) -> (W, W) {
        self.0.reverse_variant::<V, W>(y_true, y_pred, seed)
    }

    fn invalid_inputs(&self, y_true: T, y_pred: T) -> Option<&'static str> {
        self.0.invalid_inputs(y_true, y_pred)
    }
}

/// Validates the hyper-parameters and returns the reduction, unless it is
/// [`Reduction::None`], which has no scalar value.
fn check_scalar_reduction<T: LossFloat, K: ElementwiseKernel<T>>(
    kernel: &K,
) -> Result<Reduction, LossError> {
    kernel.validate()?;
    match kernel.reduction() {
        Reduction::None => Err(LossError::NoScalarValue),
        reduction => Ok(reduction),
    }
}

/// Returns the divisor of the weighted sum of per-sample losses, or `None` when the
/// reduction is [`Reduction::Mean`] and the weights sum to 0, where value and gradient
/// are 0.
fn divisor<T: LossFloat>(reduction: Reduction, batch: &CheckedBatch<'_, T>) -> Option<T> {
    let weight_sum = match reduction {
        Reduction::Sum => return Some(T::one()),
        Reduction::Mean => batch.weight_sum(),
        // `Reduction::None` was rejected before any divisor is needed.
        Reduction::SumOverBatchSize | Reduction::None => T::from_usize(batch.sample_count),
    };
    if weight_sum == T::zero() {
        None
    } else {
        Some(weight_sum)
    }
}

/// Runs `compute` on a row-major slice of `grad`'s elements: `grad`'s own memory when it
/// is in standard layout, or else a buffer that is copied into `grad` afterwards.
fn write_row_major<T: LossFloat>(
    mut grad: ArrayViewMutD<'_, T>,
    compute: impl FnOnce(&mut [T]) -> T,
) -> T {
    if let Some(slice) = grad.as_slice_mut() {
        return compute(slice);
    }

    let mut buffer = vec![T::zero(); grad.len()];
    let result = compute(&mut buffer);
    for (element, value) in grad.iter_mut().zip(buffer) {
        *element = value;
    }
    result
}

/// Checks every element against [`ElementwiseKernel::invalid_inputs`] and reports the
/// first one outside the loss's domain, with its index.
///
/// # Errors
///
/// Returns the input checks' errors of [`value`], or [`LossError::InvalidInput`].
pub fn validate_inputs<T: LossFloat, K: ElementwiseKernel<T>>(
    kernel: &K,
    batch: Batch<'_, T>,
) -> Result<(), LossError> {
    let shape = batch.y_pred.shape().to_vec();
    let batch = CheckedBatch::new(batch)?;
    let found = batch
        .y_true
        .iter()
        .zip(batch.y_pred.iter())
        .enumerate()
        .find_map(|(position, (&y_true, &y_pred))| {
            kernel
                .invalid_inputs(y_true, y_pred)
                .map(|condition| (position, condition, y_true, y_pred))
        });
    match found {
        None => Ok(()),
        Some((position, condition, y_true, y_pred)) => Err(LossError::InvalidInput {
            loss: K::NAME,
            index: unravel(position, &shape),
            condition,
            y_true: y_true.to_f64(),
            y_pred: y_pred.to_f64(),
        }),
    }
}

/// The row-major index of element `position` of an array of shape `shape`.
pub(crate) fn unravel(mut position: usize, shape: &[usize]) -> Vec<usize> {
    let mut index = vec![0; shape.len()];
    for (axis, &len) in shape.iter().enumerate().rev() {
        if len > 0 {
            index[axis] = position % len;
            position /= len;
        }
    }
    index
}
