//! The per-sample loop of the multi-input drivers.
//!
//! The loop runs at the instruction set level that [`simd`] picks, with the kernel
//! inlined into it so that the generated row code is compiled for that level. With the
//! `parallel` feature, a batch of more than one chunk of samples is split over the
//! threads of the current rayon pool. Each sample's loss and gradient rows are computed
//! on their own and written to their own slots. The reductions over samples run
//! afterwards in a fixed order, so neither the level nor the thread count changes a
//! bit of the result.

use std::slice::ChunksMut;

use super::{Rows, report};
use crate::kernel::MultiRowKernel;
use crate::scratch::Scratch;
use crate::simd::{self, Job, SupportedLevel};
use crate::{KernelError, LossError, LossFloat, stream};

/// Fewer elements than this per chunk of samples would let the cost of handing work to
/// another thread, about a microsecond, show next to the work itself.
#[cfg(feature = "parallel")]
const MIN_CHUNK_ELEMENTS: usize = 1 << 16;

/// The quantities the loop computes for each sample.
#[derive(Clone, Copy)]
pub(super) enum Mode<T> {
    /// The loss, by [`MultiRowKernel::forward`].
    Forward,
    /// The loss and its gradient rows, by [`MultiRowKernel::reverse`] seeded with
    /// `wᵢ / divisor`.
    Reverse { divisor: T },
}

/// The fixed parts of a pass over the samples.
pub(super) struct Pass<'p, 'a, T: LossFloat, K> {
    pub(super) kernel: &'p K,
    pub(super) rows: &'p Rows<'a, T>,
    pub(super) mode: Mode<T>,
    pub(super) level: SupportedLevel,
}

impl<T: LossFloat, K: MultiRowKernel<T> + Sync> Pass<'_, '_, T, K> {
    /// Writes the loss of every sample into `losses` and, in [`Mode::Reverse`], its
    /// gradient rows into `grads`, one row-major output per input.
    ///
    /// # Errors
    ///
    /// Returns the error of the first sample whose kernel call fails.
    pub(super) fn run(&self, losses: &mut [T], grads: Vec<&mut [T]>) -> Result<(), LossError> {
        self.run_samples(0, losses, grads)
    }

    /// Runs samples `first..first + losses.len()`, whose gradient rows `grads` holds.
    /// Two halves run on two threads when the range is longer than a chunk.
    fn run_samples(
        &self,
        first: usize,
        losses: &mut [T],
        grads: Vec<&mut [T]>,
    ) -> Result<(), LossError> {
        #[cfg(feature = "parallel")]
        if losses.len() > self.chunk_samples() && rayon::current_num_threads() > 1 {
            let middle = losses.len() / 2;
            let (left_losses, right_losses) = losses.split_at_mut(middle);
            let (left_grads, right_grads): (Vec<_>, Vec<_>) = grads
                .into_iter()
                .zip(&self.rows.row_lens)
                .map(|(grad, &len)| grad.split_at_mut(middle * len))
                .unzip();
            let (left, right) = rayon::join(
                || self.run_samples(first, left_losses, left_grads),
                || self.run_samples(first + middle, right_losses, right_grads),
            );
            // The left half's error belongs to an earlier sample.
            return left.and(right);
        }

        let job = SampleJob {
            pass: self,
            first,
            losses,
            grads,
        };
        simd::run(self.level, job)
    }

    /// Samples per chunk: the fewest that hold `MIN_CHUNK_ELEMENTS` input elements.
    #[cfg(feature = "parallel")]
    fn chunk_samples(&self) -> usize {
        let per_sample: usize = self.rows.row_lens.iter().sum();
        MIN_CHUNK_ELEMENTS.div_ceil(per_sample.max(1))
    }
}

/// A run of consecutive samples, evaluated at one instruction set level.
struct SampleJob<'j, 'p, 'a, 'o, T: LossFloat, K> {
    pass: &'j Pass<'p, 'a, T, K>,
    first: usize,
    losses: &'o mut [T],
    grads: Vec<&'o mut [T]>,
}

impl<T: LossFloat, K: MultiRowKernel<T>> Job for SampleJob<'_, '_, '_, '_, T, K> {
    type Output = Result<(), LossError>;

    #[inline(always)]
    fn run(self, scalar: bool) -> Self::Output {
        if scalar {
            self.samples::<Outlined>()
        } else {
            self.samples::<Inlined>()
        }
    }
}

impl<T: LossFloat, K: MultiRowKernel<T>> SampleJob<'_, '_, '_, '_, T, K> {
    #[inline(always)]
    fn samples<E: Evaluate>(self) -> Result<(), LossError> {
        let (kernel, rows) = (self.pass.kernel, self.pass.rows);
        let mut inputs: Vec<&[T]> = Vec::with_capacity(rows.inputs.len());
        // The gradient outputs as start and length, for the prefetch of gradient rows,
        // which `grads` borrows whole.
        let outputs: Vec<(*const T, usize)> = match self.pass.mode {
            Mode::Reverse { .. } => self
                .grads
                .iter()
                .map(|grad| (grad.as_ptr(), grad.len()))
                .collect(),
            Mode::Forward => Vec::new(),
        };
        let mut grads: Vec<ChunksMut<'_, T>> = self
            .grads
            .into_iter()
            .zip(&rows.row_lens)
            .map(|(grad, &len)| grad.chunks_mut(len))
            .collect();

        let gradient = matches!(self.pass.mode, Mode::Reverse { .. });
        let prefetch = rows.prefetches(gradient);
        // For a batch larger than the caches, the kernel writes each sample's gradient
        // into these buffers, and they are copied out by non-temporal stores.
        let mut buffers = if rows.streams_gradient(gradient) {
            take_buffers::<T>(&rows.row_lens)
        } else {
            None
        };
        let streams = buffers.is_some();
        let _fence = streams.then_some(stream::FenceOnDrop);
        let mut buffer_rows: Vec<&mut [T]> = buffers
            .iter_mut()
            .flatten()
            .map(|buffer| &mut buffer[..])
            .collect();
        for (offset, loss) in self.losses.iter_mut().enumerate() {
            let sample = self.first + offset;
            if prefetch {
                rows.prefetch_after(sample);
            }
            inputs.clear();
            for (input, &len) in rows.inputs.iter().zip(&rows.row_lens) {
                inputs.push(&input[sample * len..(sample + 1) * len]);
            }
            let target = rows.target(sample);
            *loss = match self.pass.mode {
                // A sample the kernel leaves out gets 0 without a call, so that a loss
                // undefined there, such as NDCG of a list without relevance, is never
                // computed.
                _ if rows.is_excluded(sample) => {
                    let (mut stack, mut heap) = (Default::default(), Vec::new());
                    for row in next_rows(&mut grads, &mut stack, &mut heap) {
                        row.fill(T::zero());
                    }
                    T::zero()
                }
                Mode::Forward => report::<K, T>(E::forward(kernel, target, &inputs), sample)?,
                Mode::Reverse { divisor } => {
                    // Only stores through the cache wait for their lines, so the
                    // non-temporal stores need no prefetch.
                    if prefetch && !streams {
                        rows.prefetch_outputs_after(offset, &outputs);
                    }
                    let seed = rows.weight(sample) / divisor;
                    let (mut stack, mut heap) = (Default::default(), Vec::new());
                    let row_grads = next_rows(&mut grads, &mut stack, &mut heap);
                    let result = if streams {
                        let sample_rows = (target, &inputs[..]);
                        let buffers = &mut buffer_rows;
                        streamed_reverse::<T, K, E>(kernel, sample_rows, seed, buffers, row_grads)
                    } else {
                        zero_added_rows::<T, K>(row_grads);
                        E::reverse(kernel, target, &inputs, seed, row_grads)
                    };
                    report::<K, T>(result, sample)?
                }
            };
        }
        Ok(())
    }
}

/// Zeroes the gradient rows that the kernel adds into: all but those it sets.
#[inline(always)]
fn zero_added_rows<T: LossFloat, K: MultiRowKernel<T>>(rows: &mut [&mut [T]]) {
    for (input, row) in rows.iter_mut().enumerate() {
        if !K::SETS_GRADIENTS.get(input).copied().unwrap_or(false) {
            row.fill(T::zero());
        }
    }
}

/// Takes a buffer from the thread's pool for each gradient row. Returns `None` when
/// one cannot be had, and the sample loop then writes the rows in place.
fn take_buffers<T: LossFloat>(row_lens: &[usize]) -> Option<Vec<Scratch<T>>> {
    row_lens
        .iter()
        .map(|&len| Scratch::take_for_overwrite(len, T::zero()))
        .collect()
}

/// Runs the kernel's reverse function on one sample with `buffers` as its gradient
/// rows, then copies them into the sample's gradient rows, `rows`, by non-temporal
/// stores, [`stream::copy`].
#[inline(always)]
fn streamed_reverse<T: LossFloat, K: MultiRowKernel<T>, E: Evaluate>(
    kernel: &K,
    (target, inputs): (&[T], &[&[T]]),
    seed: T,
    buffers: &mut [&mut [T]],
    rows: &mut [&mut [T]],
) -> Result<T, KernelError> {
    zero_added_rows::<T, K>(buffers);
    let loss = E::reverse(kernel, target, inputs, seed, buffers)?;
    for (buffer, row) in buffers.iter().zip(rows.iter_mut()) {
        stream::copy(buffer, row);
    }
    Ok(loss)
}

/// Returns the next gradient row of every input. Up to four inputs, the rows are kept
/// in `stack`, so that the loop allocates nothing per sample; more go to `heap`.
#[inline(always)]
fn next_rows<'s, 'g, T>(
    grads: &mut [ChunksMut<'g, T>],
    stack: &'s mut [&'g mut [T]; 4],
    heap: &'s mut Vec<&'g mut [T]>,
) -> &'s mut [&'g mut [T]] {
    if grads.len() <= stack.len() {
        for (row, chunks) in stack.iter_mut().zip(grads.iter_mut()) {
            *row = chunks.next().unwrap_or_default();
        }
        &mut stack[..grads.len()]
    } else {
        heap.extend(
            grads
                .iter_mut()
                .map(|chunks| chunks.next().unwrap_or_default()),
        );
        heap
    }
}

/// A way for the sample loop to call the kernel: inlined, or through a call.
trait Evaluate {
    fn forward<T: LossFloat, K: MultiRowKernel<T>>(
        kernel: &K,
        y_true: &[T],
        inputs: &[&[T]],
    ) -> Result<T, crate::KernelError>;

    fn reverse<T: LossFloat, K: MultiRowKernel<T>>(
        kernel: &K,
        y_true: &[T],
        inputs: &[&[T]],
        seed: T,
        grads: &mut [&mut [T]],
    ) -> Result<T, crate::KernelError>;
}

/// Inlined into the loop, so that the kernel's code is compiled for the loop's level.
struct Inlined;

/// Through a call that is never inlined: the reference that [`Level::Scalar`]
/// defines, compiled for the build's baseline target.
///
/// [`Level::Scalar`]: crate::simd::Level::Scalar
struct Outlined;

impl Evaluate for Inlined {
    #[inline(always)]
    fn forward<T: LossFloat, K: MultiRowKernel<T>>(
        kernel: &K,
        y_true: &[T],
        inputs: &[&[T]],
    ) -> Result<T, crate::KernelError> {
        kernel.forward(y_true, inputs)
    }

    #[inline(always)]
    fn reverse<T: LossFloat, K: MultiRowKernel<T>>(
        kernel: &K,
        y_true: &[T],
        inputs: &[&[T]],
        seed: T,
        grads: &mut [&mut [T]],
    ) -> Result<T, crate::KernelError> {
        kernel.reverse(y_true, inputs, seed, grads)
    }
}

impl Evaluate for Outlined {
    #[inline(never)]
    fn forward<T: LossFloat, K: MultiRowKernel<T>>(
        kernel: &K,
        y_true: &[T],
        inputs: &[&[T]],
    ) -> Result<T, crate::KernelError> {
        kernel.forward(y_true, inputs)
    }

    #[inline(never)]
    fn reverse<T: LossFloat, K: MultiRowKernel<T>>(
        kernel: &K,
        y_true: &[T],
        inputs: &[&[T]],
        seed: T,
        grads: &mut [&mut [T]],
    ) -> Result<T, crate::KernelError> {
        kernel.reverse(y_true, inputs, seed, grads)
    }
}
