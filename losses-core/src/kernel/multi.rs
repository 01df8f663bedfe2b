//! Batch drivers for a [`MultiRowKernel`]: a loss of several row inputs, such as the two
//! embeddings of a pair, differentiated with respect to each.
//!
//! Every input has its samples along the leading axes and its rows along the last
//! axis. All inputs have the first input's shape, or, when
//! [`MultiRowKernel::INPUTS_ANY_LENGTH`] is set, share its leading shape and each has
//! its own row length. A 1-D input is one sample. `y_true`, when the kernel takes one,
//! has the first input's shape ([`TargetShape::Row`]) or the leading shape, with or
//! without a last axis of 1 ([`TargetShape::PerSample`]). The value is `Σᵢ wᵢ lᵢ / D`
//! with the divisor `D` of [`Reduction`], and one call to [`MultiRowKernel::reverse`]
//! per sample, seeded with `wᵢ / D`, gives the sample's loss and its gradient rows for
//! every input.

mod samples;

use std::borrow::Cow;

use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD, IxDyn};

use self::samples::{Mode, Pass};
use super::layout::{per_sample_weights, to_row_major};
use super::{KernelError, MultiRowKernel, TargetShape};
use crate::simd::SupportedLevel;
use crate::sum::{sum_map, sum_slice};
use crate::{LossError, LossFloat, Reduction, prefetch};

/// The arrays a multi-input loss is evaluated on.
#[derive(Clone, Debug)]
pub struct MultiBatch<'a, T> {
    /// Targets, when the loss takes them.
    pub y_true: Option<ArrayViewD<'a, T>>,
    /// The differentiated inputs, in the loss's declaration order.
    pub inputs: Vec<ArrayViewD<'a, T>>,
    /// Optional sample weights, in one of the shapes accepted by [`Loss`](crate::Loss).
    pub sample_weight: Option<ArrayViewD<'a, T>>,
}

/// Evaluates the reduced loss. Never calls [`MultiRowKernel::reverse`].
///
/// # Errors
///
/// Returns [`LossError`] for an invalid hyper-parameter or row length,
/// [`Reduction::None`], a number of inputs other than the kernel's
/// ([`LossError::InputCount`]), shapes that do not match (an input whose shape breaks
/// the rule of [`MultiRowKernel::INPUTS_ANY_LENGTH`] is a
/// [`LossError::InputShapeMismatch`]),
/// empty inputs, a sample-weight shape that is not accepted, or an error the kernel
/// reports for a sample.
pub fn value<T: LossFloat, K: MultiRowKernel<T> + Sync>(
    kernel: &K,
    batch: MultiBatch<'_, T>,
) -> Result<T, LossError> {
    let reduction = check_scalar_reduction(kernel)?;
    let rows = Rows::new(kernel, batch)?;
    let Some(divisor) = rows.divisor(reduction) else {
        return Ok(T::zero());
    };
    let mut losses = vec![T::zero(); rows.sample_count];
    rows.pass(kernel, Mode::Forward)
        .run(&mut losses, Vec::new())?;
    Ok(rows.weighted_sum(&losses) / divisor)
}

/// Evaluates the reduced loss and writes its gradient with respect to each input into
/// the matching `grads` entry, which must have that input's shape. Every element is
/// overwritten.
///
/// # Errors
///
/// As [`value`], for a number of gradient outputs other than the number of inputs, and
/// for a gradient output whose shape differs from its input's. The
/// outputs are left unchanged on every error but one that the kernel reports for a
/// sample: outputs in standard layout are written in place, sample by sample, so they
/// may then hold the gradients of the samples before it.
pub fn value_and_grad_into<T: LossFloat, K: MultiRowKernel<T> + Sync>(
    kernel: &K,
    batch: MultiBatch<'_, T>,
    mut grads: Vec<ArrayViewMutD<'_, T>>,
) -> Result<T, LossError> {
    let reduction = check_scalar_reduction(kernel)?;
    let rows = Rows::new(kernel, batch)?;
    check_count::<T, K>("gradient outputs", grads.len())?;
    for (grad, shape) in grads.iter().zip(&rows.shapes) {
        if grad.shape() != shape.as_slice() {
            return Err(LossError::GradientShape {
                grad: grad.shape().to_vec(),
                expected: shape.clone(),
            });
        }
    }
    let Some(divisor) = rows.divisor(reduction) else {
        grads.iter_mut().for_each(|grad| grad.fill(T::zero()));
        return Ok(T::zero());
    };

    // A gradient output in standard layout is written in place. Any other gets a
    // row-major buffer, copied into it afterwards.
    let mut buffers: Vec<Option<Vec<T>>> = grads
        .iter()
        .map(|grad| match grad.is_standard_layout() {
            true => None,
            false => Some(vec![T::zero(); grad.len()]),
        })
        .collect();
    let outputs: Vec<&mut [T]> = grads
        .iter_mut()
        .zip(&mut buffers)
        .map(|(grad, buffer)| match buffer {
            Some(buffer) => buffer.as_mut_slice(),
            None => grad.as_slice_mut().unwrap_or_default(),
        })
        .collect();
    let mut losses = vec![T::zero(); rows.sample_count];
    rows.pass(kernel, Mode::Reverse { divisor })
        .run(&mut losses, outputs)?;
    for (grad, buffer) in grads.iter_mut().zip(buffers) {
        if let Some(buffer) = buffer {
            for (element, value) in grad.iter_mut().zip(buffer) {
                *element = value;
            }
        }
    }
    Ok(rows.weighted_sum(&losses) / divisor)
}

/// Returns [`LossError::InputCount`] unless `found`, the number of `arrays` given, is the
/// kernel's number of inputs.
fn check_count<T: LossFloat, K: MultiRowKernel<T>>(
    arrays: &'static str,
    found: usize,
) -> Result<(), LossError> {
    if found == K::INPUTS.len() {
        return Ok(());
    }
    Err(LossError::InputCount {
        loss: K::NAME,
        inputs: K::INPUTS,
        arrays,
        found,
    })
}

/// Evaluates the per-sample losses, times the sample weights if any, in the leading
/// shape (`[1]` for 1-D inputs), whatever the reduction.
///
/// # Errors
///
/// As [`value`], except that [`Reduction::None`] is accepted.
pub fn per_sample<T: LossFloat, K: MultiRowKernel<T> + Sync>(
    kernel: &K,
    batch: MultiBatch<'_, T>,
) -> Result<ArrayD<T>, LossError> {
    kernel.validate()?;
    let rows = Rows::new(kernel, batch)?;
    let mut losses = vec![T::zero(); rows.sample_count];
    rows.pass(kernel, Mode::Forward)
        .run(&mut losses, Vec::new())?;
    for (sample, loss) in losses.iter_mut().enumerate() {
        *loss = rows.weight(sample) * *loss;
    }
    let shape = rows.sample_shape.clone();
    ArrayD::from_shape_vec(IxDyn(&shape), losses).map_err(|_| LossError::EmptyInput { shape })
}

/// Runs the shape checks of [`value`], then `visit` on each sample's target row and
/// input rows in order, and returns the first result it gives.
///
/// # Errors
///
/// Returns the input checks' errors of [`value`].
pub(super) fn find_row<T: LossFloat, K: MultiRowKernel<T>, R>(
    kernel: &K,
    batch: MultiBatch<'_, T>,
    mut visit: impl FnMut(usize, &[T], &[&[T]]) -> Option<R>,
) -> Result<Option<R>, LossError> {
    let rows = Rows::new(kernel, batch)?;
    let mut found = None;
    // `map` stops at the first error, which here carries nothing but the stop.
    let _ = rows.map(
        |sample, y_true, inputs| match visit(sample, y_true, inputs) {
            Some(result) => {
                found = Some(result);
                Err(LossError::NoScalarValue)
            }
            None => Ok(T::zero()),
        },
    );
    Ok(found)
}

/// A checked batch, with every array as a row-major slice.
struct Rows<'a, T: Clone> {
    y_true: Option<Cow<'a, [T]>>,
    inputs: Vec<Cow<'a, [T]>>,
    weights: Option<Cow<'a, [T]>>,
    /// Each input's shape as given.
    shapes: Vec<Vec<usize>>,
    /// Each input's row length.
    row_lens: Vec<usize>,
    sample_shape: Vec<usize>,
    sample_count: usize,
    /// Row length of `y_true`.
    target_len: usize,
    /// Samples the kernel leaves out, by [`MultiRowKernel::excluded`]; empty when
    /// none is.
    excluded: Vec<bool>,
    /// How many samples are not left out.
    counted: usize,
}

impl<'a, T: LossFloat> Rows<'a, T> {
    fn new<K: MultiRowKernel<T>>(kernel: &K, batch: MultiBatch<'a, T>) -> Result<Self, LossError> {
        let names = K::INPUTS;
        check_count::<T, K>("inputs", batch.inputs.len())?;
        let shapes: Vec<Vec<usize>> = batch
            .inputs
            .iter()
            .map(|input| input.shape().to_vec())
            .collect();
        let (first, sample_shape) = leading_shape(&shapes)?;
        for (name, shape) in names.iter().zip(&shapes).skip(1) {
            let matches = if K::INPUTS_ANY_LENGTH {
                split_rows(shape).0 == split_rows(first).0
            } else {
                shape == first
            };
            if !matches {
                return Err(LossError::InputShapeMismatch {
                    first: names[0],
                    first_shape: first.clone(),
                    other: name,
                    other_shape: shape.clone(),
                    same_shape: !K::INPUTS_ANY_LENGTH,
                });
            }
        }
        let row_lens: Vec<usize> = shapes.iter().map(|shape| split_rows(shape).1).collect();
        if let Some(empty) = batch.inputs.iter().position(|input| input.is_empty()) {
            return Err(LossError::EmptyRows {
                input: names.get(empty).copied().unwrap_or("y_pred"),
                shape: shapes[empty].clone(),
            });
        }
        let target_len = match (&batch.y_true, K::TARGET) {
            (Some(y_true), Some(target)) => check_target_shape(
                target,
                y_true.shape(),
                (names[0], first),
                &sample_shape,
                row_lens[0],
            )?,
            _ => 0,
        };
        kernel.validate_features(&row_lens)?;
        let weights = match batch.sample_weight {
            Some(weights) => Some(per_sample_weights(weights, &sample_shape)?),
            None => None,
        };
        let mut rows = Self {
            y_true: batch.y_true.map(to_row_major),
            inputs: batch.inputs.into_iter().map(to_row_major).collect(),
            weights,
            sample_count: sample_shape.iter().product(),
            shapes,
            row_lens,
            sample_shape,
            target_len,
            excluded: Vec::new(),
            counted: 0,
        };
        rows.excluded = (0..rows.sample_count)
            .map(|sample| kernel.excluded(rows.target(sample)))
            .collect();
        rows.counted = rows.excluded.iter().filter(|excluded| !**excluded).count();
        if rows.counted == rows.sample_count {
            rows.excluded.clear();
        }
        Ok(rows)
    }

    /// Returns the pass of `kernel` over these samples, at the current level.
    fn pass<'p, K: MultiRowKernel<T>>(
        &'p self,
        kernel: &'p K,
        mode: Mode<T>,
    ) -> Pass<'p, 'a, T, K> {
        Pass {
            kernel,
            rows: self,
            mode,
            level: SupportedLevel::current(),
        }
    }

    /// Returns the target row of `sample`, empty when the loss takes no targets.
    fn target(&self, sample: usize) -> &[T] {
        match &self.y_true {
            Some(y_true) => &y_true[sample * self.target_len..(sample + 1) * self.target_len],
            None => &[],
        }
    }

    /// Returns the bytes of one sample's rows, its target row included.
    fn sample_bytes(&self) -> usize {
        let target = self.y_true.as_ref().map_or(0, |_| self.target_len);
        (self.row_lens.iter().sum::<usize>() + target) * std::mem::size_of::<T>()
    }

    /// Returns whether the sample loop prefetches rows, [`Rows::prefetch_after`]: always
    /// for the value, and for the gradient only when a sample's rows, its target row
    /// included, fit in [`prefetch::DISTANCE_BYTES`].
    ///
    /// Longer rows ask for more than a hundred lines at once at the start of each
    /// sample, and the prefetches wait for free fill buffers, which the gradient pass
    /// also needs for the rows it writes. Without this prefetch in the gradient pass,
    /// value_and_grad of Dice per sample on rows of 1000 `f32` (8000 bytes with the
    /// target) rose from 0.88 to 1.03 to 1.06 × 10⁹ elements per second at 10⁷ elements.
    /// Categorical cross-entropy on rows of the same size did not change. Without
    /// it in the value pass as well, the value of Dice fell from 3.0 to 2.4 to 2.7, so
    /// the value keeps it. The contrastive loss, 1 KiB per sample, keeps it in both: its
    /// gradient ran at 0.75 to 0.77 without it, against 0.85 to 0.90 with it.
    pub(super) fn prefetches(&self, gradient: bool) -> bool {
        !gradient || self.sample_bytes() <= prefetch::DISTANCE_BYTES
    }

    /// Prefetches the rows of the sample a few kilobytes after `sample`, so that they
    /// are in the cache when the sample loop reaches them.
    #[inline(always)]
    fn prefetch_after(&self, sample: usize) {
        let ahead = sample + self.samples_ahead();
        for (input, &len) in self.inputs.iter().zip(&self.row_lens) {
            prefetch::lines(input, ahead * len..(ahead + 1) * len);
        }
        if let Some(y_true) = &self.y_true {
            let len = self.target_len;
            prefetch::lines(y_true, ahead * len..(ahead + 1) * len);
        }
    }

    /// Prefetches, in each of `outputs` (given by start and length), the gradient row
    /// as far after row `offset` as [`Rows::prefetch_after`] reaches.
    ///
    /// The reverse function writes its gradient rows, after the driver has zeroed those
    /// it does not set, and a store that misses the cache waits for its line as a load
    /// does.
    /// This prefetch raised value_and_grad of the contrastive loss on one thread by
    /// about 6 %, and by 14 % together with the copied gradient blocks of its reverse
    /// loop.
    #[inline(always)]
    fn prefetch_outputs_after(&self, offset: usize, outputs: &[(*const T, usize)]) {
        let ahead = offset + self.samples_ahead();
        for (&(start, total), &len) in outputs.iter().zip(&self.row_lens) {
            prefetch::lines_from(start, total, ahead * len..(ahead + 1) * len);
        }
    }

    /// Returns whether the gradient pass writes its rows by non-temporal stores: when
    /// the batch is larger than [`prefetch::CACHED_BYTES`], so that its gradient would
    /// leave the caches before anything read it again. The stores through the caches
    /// read each line from memory before they write it.
    ///
    /// On the Intel guest of `docs/BENCHMARKS.md`, builds with and without these stores
    /// ran in turn, at 10⁷ elements on one thread. value_and_grad of categorical
    /// cross-entropy on rows of 1000 rose from 0.69–0.80 to 0.76–0.86 × 10⁹ elements per
    /// second over eleven runs of each build, and Dice per sample from 1.21–1.62 to
    /// 1.32–1.81 over eight. The contrastive loss rose from 0.81–0.96 to 0.87–1.01 in
    /// most runs, but fell from 0.84–0.95 to 0.77–0.84 in five runs that ran both Dice
    /// losses and categorical cross-entropy first. In large batches, these stores take
    /// the place of [`Rows::prefetch_outputs_after`].
    pub(super) fn streams_gradient(&self, gradient: bool) -> bool {
        gradient && self.sample_count.saturating_mul(self.sample_bytes()) > prefetch::CACHED_BYTES
    }

    /// Returns how many samples ahead the sample loop prefetches: those that fit in
    /// [`prefetch::DISTANCE_BYTES`] of input rows, at least one.
    #[inline(always)]
    fn samples_ahead(&self) -> usize {
        let row_bytes = self.row_lens.iter().sum::<usize>() * std::mem::size_of::<T>();
        (prefetch::DISTANCE_BYTES / row_bytes.max(1)).max(1)
    }

    fn is_excluded(&self, sample: usize) -> bool {
        self.excluded.get(sample).copied().unwrap_or(false)
    }

    /// Runs `row` on every sample in order, stopping at the first error. A sample the
    /// kernel leaves out gets 0 without a call, so that a loss undefined there, such as
    /// NDCG of a list without relevance, is never computed.
    fn map(
        &self,
        mut row: impl FnMut(usize, &[T], &[&[T]]) -> Result<T, LossError>,
    ) -> Result<Vec<T>, LossError> {
        let mut rows: Vec<&[T]> = Vec::with_capacity(self.inputs.len());
        (0..self.sample_count)
            .map(|sample| {
                rows.clear();
                for (input, &len) in self.inputs.iter().zip(&self.row_lens) {
                    rows.push(&input[sample * len..(sample + 1) * len]);
                }
                if self.is_excluded(sample) {
                    return Ok(T::zero());
                }
                row(sample, self.target(sample), &rows)
            })
            .collect()
    }

    /// Returns the weight of `sample`: 1 without sample weights, 0 when the kernel leaves the
    /// sample out.
    fn weight(&self, sample: usize) -> T {
        if self.is_excluded(sample) {
            return T::zero();
        }
        self.weights
            .as_ref()
            .map_or(T::one(), |weights| weights[sample])
    }

    fn weighted_sum(&self, losses: &[T]) -> T {
        sum_map(self.sample_count, |sample| {
            self.weight(sample) * losses[sample]
        })
    }

    /// Returns the divisor of the weighted sum, or `None` when the reduction is
    /// [`Reduction::Mean`] and the weights sum to 0, where value and gradient are 0.
    fn divisor(&self, reduction: Reduction) -> Option<T> {
        let weight_sum = match reduction {
            Reduction::Sum => return Some(T::one()),
            Reduction::Mean if self.excluded.is_empty() => self
                .weights
                .as_ref()
                .map_or(T::from_usize(self.sample_count), |weights| {
                    sum_slice(weights)
                }),
            Reduction::Mean => sum_map(self.sample_count, |sample| self.weight(sample)),
            // Samples left out do not count, as Keras leaves masked samples out.
            Reduction::SumOverBatchSize | Reduction::None => T::from_usize(self.counted),
        };
        if weight_sum == T::zero() {
            None
        } else {
            Some(weight_sum)
        }
    }
}

/// Returns the first input's shape and the per-sample shape.
fn leading_shape(shapes: &[Vec<usize>]) -> Result<(&Vec<usize>, Vec<usize>), LossError> {
    let first = shapes
        .first()
        .ok_or(LossError::EmptyInput { shape: Vec::new() })?;
    let leading = split_rows(first).0;
    let sample_shape = if leading.is_empty() {
        vec![1]
    } else {
        leading.to_vec()
    };
    Ok((first, sample_shape))
}

/// Splits a shape into its leading axes and its row length; a 1-D shape is one row.
fn split_rows(shape: &[usize]) -> (&[usize], usize) {
    match shape.split_last() {
        Some((&len, leading)) => (leading, len),
        None => (&[], 1),
    }
}

/// Checks `y_true`'s shape against what the kernel takes and returns its row length.
pub(super) fn check_target_shape(
    target: TargetShape,
    y_true: &[usize],
    (input, first): (&'static str, &[usize]),
    sample_shape: &[usize],
    row_len: usize,
) -> Result<usize, LossError> {
    // A row target must equal the input's shape; other targets get a message that
    // names the shapes they accept. The message of `ShapeMismatch` names `y_pred`, so an
    // input of another name gets `TargetShapeMismatch`, which names that input.
    let mismatch = || match input {
        "y_pred" => LossError::ShapeMismatch {
            y_true: y_true.to_vec(),
            y_pred: first.to_vec(),
        },
        _ => LossError::TargetShapeMismatch {
            y_true: y_true.to_vec(),
            input,
            input_shape: first.to_vec(),
            expected: vec![first.to_vec()],
        },
    };
    let targets_mismatch = |expected: Vec<Vec<usize>>| LossError::TargetShapeMismatch {
        y_true: y_true.to_vec(),
        input,
        input_shape: first.to_vec(),
        expected,
    };
    match target {
        TargetShape::Row if y_true == first => Ok(row_len),
        TargetShape::Row => Err(mismatch()),
        TargetShape::AnyLength => {
            // Same leading axes; a 1-D `y_pred` is one sample, so any 1-D `y_true` fits.
            let (true_leading, true_len) = split_rows(y_true);
            let same_samples = if first.len() <= 1 {
                y_true.len() == 1
            } else {
                true_leading == sample_shape
            };
            if same_samples && true_len > 0 {
                Ok(true_len)
            } else {
                let leading = if first.len() <= 1 {
                    Vec::new()
                } else {
                    sample_shape.to_vec()
                };
                Err(targets_mismatch(vec![
                    leading.into_iter().chain([0]).collect(),
                ]))
            }
        }
        TargetShape::PerSample => {
            // One target per sample: the leading shape, with or without a trailing 1.
            let leading = if first.len() <= 1 {
                &[][..]
            } else {
                sample_shape
            };
            let with_one: Vec<usize> = leading.iter().copied().chain([1]).collect();
            if y_true == leading || y_true == with_one.as_slice() {
                Ok(1)
            } else {
                Err(targets_mismatch(vec![leading.to_vec(), with_one]))
            }
        }
    }
}

/// Converts a kernel's error for one sample into a [`LossError`] naming the sample.
fn report<K: MultiRowKernel<T>, T: LossFloat>(
    result: Result<T, KernelError>,
    sample: usize,
) -> Result<T, LossError> {
    result.map_err(|error| error.into_loss_error(K::NAME, sample))
}

/// Validates the hyper-parameters and returns the reduction, unless it is
/// [`Reduction::None`], which has no scalar value.
fn check_scalar_reduction<T: LossFloat, K: MultiRowKernel<T>>(
    kernel: &K,
) -> Result<Reduction, LossError> {
    kernel.validate()?;
    match kernel.reduction() {
        Reduction::None => Err(LossError::NoScalarValue),
        reduction => Ok(reduction),
    }
}
