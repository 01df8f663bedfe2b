//! Drivers for losses of whole-batch statistics, such as Dice over the whole batch: the
//! loss is a function of a few sums over every element, `L = f(S₁, ..., S_K)`.
//!
//! The elements are split into chunks of [`CHUNK`] elements, each chunk's sums are
//! computed on their own ([`partials`]), and the chunks' sums merge by addition in a
//! fixed pairwise order ([`merge`]). Within a chunk, the kernel sums blocks of 512
//! elements and the block sums are added by a pairwise tree, so that `f32` sums over
//! 10⁷ elements stay within about 10⁻⁶ relative of `f64` ones. The gradient is `dL/dpᵢ = Σₖ (∂f/∂Sₖ) ∂Sₖ/∂pᵢ`: the
//! adjoints `∂f/∂Sₖ` come from the merged sums, and then each chunk's gradient needs
//! only its own elements ([`BatchKernel::chunk_reverse`]). A batch split into chunks,
//! on threads or on machines, therefore gives the same value and gradient as the whole
//! batch, bit for bit when the split falls on chunk boundaries and merges in the same
//! order.
//!
//! The loops over chunks run at the instruction set level that [`simd`](crate::simd)
//! picks and, with the `parallel` feature, on the threads of the current rayon pool.
//! Each chunk's sums and gradient depend only on the chunk, and the sums merge in the
//! fixed order of [`merge`], so neither choice changes a bit of the result.

mod chunks;

use ndarray::{ArrayD, ArrayViewMutD};

use self::chunks::{Chunks, Work};
use super::layout::to_row_major;
use super::{BatchKernel, KernelError, RowKernel};
use crate::{Batch, LossError, LossFloat, Reduction};

/// Elements per chunk; fixed, so that results do not depend on how the work is run.
pub const CHUNK: usize = 8192;

/// Evaluates the loss of the whole batch. The reduction, [`RowKernel::reduction`],
/// leaves this one value as it is, but [`Reduction::None`] is rejected.
///
/// # Errors
///
/// Returns [`LossError`] for an invalid hyper-parameter, [`Reduction::None`] (a
/// whole-batch loss has one value for the batch and no per-sample losses), unequal or
/// empty inputs, sample weights, or an error the kernel reports.
pub fn value<T: LossFloat, K: BatchKernel<T> + RowKernel<T> + Sync>(
    kernel: &K,
    batch: Batch<'_, T>,
) -> Result<T, LossError> {
    check_scalar_reduction(kernel)?;
    let (y_true, y_pred, _) = checked(kernel, &batch)?;
    let sums = partials(kernel, &y_true, &y_pred)?;
    Ok(kernel.finish(&sums))
}

/// Evaluates the loss of the whole batch and writes its gradient with respect to
/// `y_pred` into `grad`, which must have `y_pred`'s shape.
///
/// # Errors
///
/// As [`value`], and for a `grad` whose shape differs from `y_pred`'s.
pub fn value_and_grad_into<T: LossFloat, K: BatchKernel<T> + RowKernel<T> + Sync>(
    kernel: &K,
    batch: Batch<'_, T>,
    mut grad: ArrayViewMutD<'_, T>,
) -> Result<T, LossError> {
    check_scalar_reduction(kernel)?;
    let (y_true, y_pred, shape) = checked(kernel, &batch)?;
    if grad.shape() != shape.as_slice() {
        return Err(LossError::GradientShape {
            grad: grad.shape().to_vec(),
            expected: shape,
        });
    }
    let sums = partials(kernel, &y_true, &y_pred)?;
    let mut adjoints = vec![T::zero(); K::STATISTICS];
    let value = kernel.finish_reverse(&sums, T::one(), &mut adjoints);

    let chunks = Chunks {
        kernel,
        y_true: &y_true,
        y_pred: &y_pred,
    };
    // The gradient pass reads what `partials` read, so a kernel error has already been
    // returned and `grad` is written only when the call succeeds.
    match grad.as_slice_mut() {
        Some(entries) => chunks.run(
            Work::Gradient {
                adjoints: &adjoints,
            },
            entries,
        )?,
        None => {
            let mut buffer = vec![T::zero(); y_pred.len()];
            chunks.run(
                Work::Gradient {
                    adjoints: &adjoints,
                },
                &mut buffer,
            )?;
            for (element, value) in grad.iter_mut().zip(buffer) {
                *element = value;
            }
        }
    }
    Ok(value)
}

/// Returns [`LossError::WholeBatchPerSample`]: a whole-batch loss has one value for
/// the batch and no per-sample losses.
///
/// # Errors
///
/// Always, after the hyper-parameters' check of [`value`].
pub fn per_sample<T: LossFloat, K: BatchKernel<T> + Sync>(
    kernel: &K,
    batch: Batch<'_, T>,
) -> Result<ArrayD<T>, LossError> {
    let _ = batch;
    kernel.validate()?;
    Err(LossError::WholeBatchPerSample { loss: K::NAME })
}

/// The sums of elements `y_true` and `y_pred`, in row-major order, chunk by chunk,
/// merged by [`merge`]. A caller that splits a batch itself merges the results of
/// its parts with [`merge`] and passes them to [`BatchKernel::finish`].
///
/// # Errors
///
/// Returns [`LossError::ShapeMismatch`] when `y_true` and `y_pred` differ in length,
/// and the kernel's errors as [`LossError`]s.
pub fn partials<T: LossFloat, K: BatchKernel<T> + Sync>(
    kernel: &K,
    y_true: &[T],
    y_pred: &[T],
) -> Result<Vec<T>, LossError> {
    equal_lengths(y_true, y_pred)?;
    let count = y_pred.len().div_ceil(CHUNK);
    let statistics = K::STATISTICS;
    if count == 0 {
        // An empty part adds nothing to the sums of the others.
        return Ok(vec![T::zero(); statistics]);
    }
    // The sums of chunk `c` are `flat[c * statistics..(c + 1) * statistics]`.
    let mut flat = vec![T::zero(); count * statistics];
    let chunks = Chunks {
        kernel,
        y_true,
        y_pred,
    };
    chunks.run(Work::Sums, &mut flat)?;
    let sums: Vec<Vec<T>> = flat.chunks(statistics.max(1)).map(<[T]>::to_vec).collect();
    Ok(merge(&sums))
}

/// Adds the sums of several chunks, in a pairwise tree over the chunks in index order:
/// the result depends only on the chunks and their order. A chunk with fewer sums than
/// the others counts as 0 in the sums it lacks.
pub fn merge<T: LossFloat>(chunks: &[Vec<T>]) -> Vec<T> {
    match chunks {
        [] => Vec::new(),
        [single] => single.clone(),
        _ => {
            let (left, right) = chunks.split_at(chunks.len().div_ceil(2));
            let (left, right) = (merge(left), merge(right));
            let at = |sums: &[T], k: usize| sums.get(k).copied().unwrap_or_else(T::zero);
            (0..left.len().max(right.len()))
                .map(|k| at(&left, k) + at(&right, k))
                .collect()
        }
    }
}

/// Adds one chunk's gradient, given the adjoints of the merged sums. Call it on
/// elements that [`partials`] has summed: it leaves out the loops that only the sums
/// need (see [`RowKernel::gradient`]), and with them the errors that those loops
/// report.
///
/// # Errors
///
/// Returns [`LossError::ShapeMismatch`] when `y_true` and `y_pred` differ in length,
/// [`LossError::GradientShape`] when `grad` differs from `y_pred`,
/// [`LossError::AdjointCount`] when `adjoints` does not have one entry per sum, and
/// the kernel's errors as [`LossError`]s.
pub fn chunk_reverse<T: LossFloat, K: BatchKernel<T>>(
    kernel: &K,
    y_true: &[T],
    y_pred: &[T],
    adjoints: &[T],
    grad: &mut [T],
) -> Result<(), LossError> {
    equal_lengths(y_true, y_pred)?;
    if grad.len() != y_pred.len() {
        return Err(LossError::GradientShape {
            grad: vec![grad.len()],
            expected: vec![y_pred.len()],
        });
    }
    if adjoints.len() != K::STATISTICS {
        return Err(LossError::AdjointCount {
            loss: K::NAME,
            expected: K::STATISTICS,
            found: adjoints.len(),
        });
    }
    kernel
        .chunk_reverse(y_true, y_pred, adjoints, grad)
        .map_err(|error| report::<K, T>(error))
}

/// Rejects elements of `y_true` and `y_pred` that do not pair up.
fn equal_lengths<T>(y_true: &[T], y_pred: &[T]) -> Result<(), LossError> {
    if y_true.len() == y_pred.len() {
        return Ok(());
    }
    Err(LossError::ShapeMismatch {
        y_true: vec![y_true.len()],
        y_pred: vec![y_pred.len()],
    })
}

/// Checks the hyper-parameters, then rejects [`Reduction::None`], which requests
/// per-sample losses.
fn check_scalar_reduction<T: LossFloat, K: BatchKernel<T> + RowKernel<T>>(
    kernel: &K,
) -> Result<(), LossError> {
    BatchKernel::validate(kernel)?;
    match RowKernel::reduction(kernel) {
        Reduction::None => Err(LossError::WholeBatchPerSample {
            loss: <K as BatchKernel<T>>::NAME,
        }),
        _ => Ok(()),
    }
}

/// `y_true` and `y_pred` in row-major order, and `y_pred`'s shape.
type Checked<'a, T> = (
    std::borrow::Cow<'a, [T]>,
    std::borrow::Cow<'a, [T]>,
    Vec<usize>,
);

/// Checks the hyper-parameters and shapes; returns the inputs in row-major order and
/// `y_pred`'s shape.
fn checked<'a, T: LossFloat, K: BatchKernel<T>>(
    kernel: &K,
    batch: &Batch<'a, T>,
) -> Result<Checked<'a, T>, LossError> {
    kernel.validate()?;
    let shape = batch.y_pred.shape().to_vec();
    if batch.y_true.shape() != shape.as_slice() {
        return Err(LossError::ShapeMismatch {
            y_true: batch.y_true.shape().to_vec(),
            y_pred: shape,
        });
    }
    if batch.y_pred.is_empty() {
        return Err(LossError::EmptyInput { shape });
    }
    if batch.sample_weight.is_some() {
        return Err(LossError::WholeBatchWeights { loss: K::NAME });
    }
    Ok((
        to_row_major(batch.y_true.clone()),
        to_row_major(batch.y_pred.clone()),
        shape,
    ))
}

/// Converts a kernel's error into a [`LossError`]. A whole-batch loss has no single
/// sample, so the error names sample 0.
fn report<K: BatchKernel<T>, T: LossFloat>(error: KernelError) -> LossError {
    error.into_loss_error(K::NAME, 0)
}
