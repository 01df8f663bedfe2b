//! The loops over chunks of the whole-batch drivers, at the dispatched instruction set
//! level and, with the `parallel` feature, on threads.

use std::ops::Range;

use super::{CHUNK, report};
use crate::kernel::BatchKernel;
use crate::lanes::{LANES, RUN_BLOCKS};
use crate::simd::{self, Job, SupportedLevel};
use crate::sum::{BLOCK_LEN, sum_block_slice};
use crate::{KernelError, LossError, LossFloat, prefetch, stream};

/// Elements per call of [`BatchKernel::partials`] within a chunk. The generated sum
/// loops add each element to one of 16 partial sums in turn, so their rounding error
/// grows with the elements per partial sum: 32 here. The blocks' sums are then added by
/// the halving tree of [`sum_block_slice`], which keeps the error of a chunk's sum close
/// to that of pairwise summation. Each call ends in the lane sums of its statistics, so
/// smaller blocks cost time, and larger ones accuracy. The value of Dice over the whole
/// batch, at 10⁶ elements on one Zen 5 thread, ran at 2.7 to 4.6 × 10⁹ elements per
/// second with blocks of 256. It ran at 5.8 to 6.2 with 512 and 6.3 to 6.7 with 1024.
/// Over 100 constant inputs of 10⁷ elements, the worst relative error of a sum was
/// 2.9 × 10⁻⁷ with 256, 5.7 × 10⁻⁷ with 512 and 9.1 × 10⁻⁷ with 1024, too close to the
/// bound of 10⁻⁶.
const BLOCK: usize = 512;

/// Blocks per chunk: the leaves of the tree over a chunk's block sums.
const BLOCKS_PER_CHUNK: usize = CHUNK / BLOCK;

const _: () = assert!(CHUNK % BLOCK == 0 && BLOCKS_PER_CHUNK <= BLOCK_LEN);

// The generated partial-sum loops skip the flush to `f64` partials, so a block must
// fit in one run of blocks of a row sum.
const _: () = assert!(BLOCK <= LANES * RUN_BLOCKS);

/// Chunks per task handed to another thread: 8 chunks are 65 536 elements, enough that
/// the cost of the hand-over, about a microsecond, does not show.
#[cfg(feature = "parallel")]
const CHUNKS_PER_TASK: usize = 8;

/// The inputs that the loops run over.
pub(super) struct Chunks<'c, T, K> {
    pub(super) kernel: &'c K,
    pub(super) y_true: &'c [T],
    pub(super) y_pred: &'c [T],
}

/// The quantities each chunk computes.
#[derive(Clone, Copy)]
pub(super) enum Work<'w, T> {
    /// The chunk's sums, by [`BatchKernel::partials`], into `STATISTICS` outputs per
    /// chunk.
    Sums,
    /// The chunk's gradient, by [`BatchKernel::chunk_reverse`], into the chunk's
    /// elements of the output, which are zeroed first unless the kernel sets them.
    Gradient { adjoints: &'w [T] },
}

impl<T: LossFloat> Work<'_, T> {
    /// Outputs per chunk.
    fn width<K: BatchKernel<T>>(&self) -> usize {
        match self {
            Work::Sums => K::STATISTICS,
            Work::Gradient { .. } => CHUNK,
        }
    }
}

impl<T: LossFloat, K: BatchKernel<T> + Sync> Chunks<'_, T, K> {
    /// Runs `work` on every chunk, writing `output`, and returns the first chunk's error.
    pub(super) fn run(&self, work: Work<'_, T>, output: &mut [T]) -> Result<(), LossError> {
        let level = SupportedLevel::current();
        let count = self.y_true.len().min(self.y_pred.len()).div_ceil(CHUNK);
        #[cfg(feature = "parallel")]
        if count > CHUNKS_PER_TASK && rayon::current_num_threads() > 1 {
            return self.run_tasks(level, work, output, count);
        }
        self.run_range(level, work, 0..count, output)
    }

    /// Runs the tasks of `CHUNKS_PER_TASK` chunks on the current rayon pool.
    #[cfg(feature = "parallel")]
    fn run_tasks(
        &self,
        level: SupportedLevel,
        work: Work<'_, T>,
        output: &mut [T],
        count: usize,
    ) -> Result<(), LossError> {
        use rayon::prelude::*;

        let width = work.width::<K>();
        let task_output = (CHUNKS_PER_TASK * width).max(1);
        let tasks = count.div_ceil(CHUNKS_PER_TASK);
        let mut outputs: Vec<&mut [T]> = output.chunks_mut(task_output).collect();
        // With no outputs per chunk, every task still runs, on an empty slice.
        outputs.resize_with(tasks, Default::default);
        let results: Vec<Result<(), LossError>> = outputs
            .into_par_iter()
            .enumerate()
            .map(|(task, output)| {
                let first = task * CHUNKS_PER_TASK;
                let chunks = first..(first + CHUNKS_PER_TASK).min(count);
                self.run_range(level, work, chunks, output)
            })
            .collect();
        results.into_iter().collect()
    }

    /// Runs the chunks `chunks`, whose outputs start at the start of `output`.
    fn run_range(
        &self,
        level: SupportedLevel,
        work: Work<'_, T>,
        chunks: std::ops::Range<usize>,
        output: &mut [T],
    ) -> Result<(), LossError> {
        let job = ChunkJob {
            chunks: self,
            work,
            range: chunks,
            output,
        };
        simd::run(level, job)
    }
}

/// A run of chunks, evaluated at one instruction set level.
struct ChunkJob<'j, 'c, 'w, 'o, T, K> {
    chunks: &'j Chunks<'c, T, K>,
    work: Work<'w, T>,
    range: std::ops::Range<usize>,
    output: &'o mut [T],
}

impl<T: LossFloat, K: BatchKernel<T>> Job for ChunkJob<'_, '_, '_, '_, T, K> {
    type Output = Result<(), LossError>;

    #[inline(always)]
    fn run(self, scalar: bool) -> Self::Output {
        let width = self.work.width::<K>();
        let (y_true, y_pred) = (self.chunks.y_true, self.chunks.y_pred);
        let first = self.range.start;
        // The sums of each block of a chunk, `STATISTICS` per block.
        let mut block_sums = Vec::new();
        let batch_bytes = std::mem::size_of_val(y_true) + std::mem::size_of_val(y_pred);
        let streams =
            matches!(self.work, Work::Gradient { .. }) && batch_bytes > prefetch::CACHED_BYTES;
        let _fence = streams.then_some(stream::FenceOnDrop);
        for chunk in self.range {
            let elements = chunk * CHUNK..((chunk + 1) * CHUNK).min(y_true.len().min(y_pred.len()));
            let start = (chunk - first) * width;
            let end = (start + width).min(self.output.len());
            let output = &mut self.output[start.min(end)..end];
            let kernel = self.chunks.kernel;
            let result = match self.work {
                Work::Sums => {
                    let chunk = ((y_true, y_pred), elements);
                    chunk_sums(kernel, chunk, output, &mut block_sums, scalar)
                }
                Work::Gradient { adjoints } => {
                    let chunk = (&y_true[elements.clone()], &y_pred[elements]);
                    if streams {
                        streamed_reverse(kernel, chunk, adjoints, output, scalar)
                    } else {
                        cached_reverse(kernel, chunk, adjoints, output, scalar)
                    }
                }
            };
            result.map_err(report::<K, T>)?;
        }
        Ok(())
    }
}

/// Writes the gradient of one chunk, or of one block of it, into `grad` through the
/// caches.
#[inline(always)]
fn cached_reverse<T: LossFloat, K: BatchKernel<T>>(
    kernel: &K,
    (y_true, y_pred): (&[T], &[T]),
    adjoints: &[T],
    grad: &mut [T],
    scalar: bool,
) -> Result<(), KernelError> {
    if !K::SETS_GRADIENT {
        grad.fill(T::zero());
    }
    if scalar {
        reverse_outlined(kernel, y_true, y_pred, adjoints, grad)
    } else {
        kernel.chunk_reverse(y_true, y_pred, adjoints, grad)
    }
}

/// Writes the gradient of one chunk into `grad` by non-temporal stores, for a batch
/// larger than the caches: the kernel writes each block of [`BLOCK`] elements into a
/// buffer on the stack, which [`stream::copy`] then copies out. The elements' gradients
/// do not depend on one another, so the blocks give the same bits as one call.
///
/// With the stores through the caches, each gradient line was read from memory before
/// it was written. On the Intel guest of `docs/BENCHMARKS.md`, value_and_grad of Dice
/// over the whole batch at 10⁷ elements rose from 0.97–1.21 to 1.14–1.39 × 10⁹
/// elements per second on one thread, in eight alternating runs of each build.
#[inline(always)]
fn streamed_reverse<T: LossFloat, K: BatchKernel<T>>(
    kernel: &K,
    (y_true, y_pred): (&[T], &[T]),
    adjoints: &[T],
    grad: &mut [T],
    scalar: bool,
) -> Result<(), KernelError> {
    let mut buffer = [T::zero(); BLOCK];
    let blocks = y_true.chunks(BLOCK).zip(y_pred.chunks(BLOCK));
    for ((targets, predictions), block_grad) in blocks.zip(grad.chunks_mut(BLOCK)) {
        let buffer = &mut buffer[..block_grad.len()];
        cached_reverse(kernel, (targets, predictions), adjoints, buffer, scalar)?;
        stream::copy(buffer, block_grad);
    }
    Ok(())
}

/// Adds the sums over the elements `elements` of the batch, one chunk, to `sums`: the
/// kernel's sums of each block of [`BLOCK`] elements, added by the halving tree.
/// `block_sums` is a buffer, reused across chunks. With `scalar`, the kernel is called
/// through [`partials_outlined`].
#[inline(always)]
fn chunk_sums<T: LossFloat, K: BatchKernel<T>>(
    kernel: &K,
    ((batch_true, batch_pred), elements): ((&[T], &[T]), Range<usize>),
    sums: &mut [T],
    block_sums: &mut Vec<T>,
    scalar: bool,
) -> Result<(), KernelError> {
    let (y_true, y_pred) = (&batch_true[elements.clone()], &batch_pred[elements.clone()]);
    let statistics = sums.len();
    let blocks = y_pred.len().div_ceil(BLOCK);
    block_sums.clear();
    block_sums.resize(blocks * statistics, T::zero());
    // Block `b`'s sums are `block_sums[b * statistics..(b + 1) * statistics]`.
    let outputs = block_sums.chunks_exact_mut(statistics.max(1));
    let blocks_with_outputs = y_true.chunks(BLOCK).zip(y_pred.chunks(BLOCK)).zip(outputs);
    for (block, ((targets, predictions), output)) in blocks_with_outputs.enumerate() {
        // The lines ahead of the last blocks lie in the next chunk, so they are taken
        // from the whole batch. Taken from the chunk, they were cut at its end, and the
        // first two blocks of each chunk waited on memory. On the Intel guest of
        // `docs/BENCHMARKS.md`, the value of Dice over the whole batch at 10⁷ elements
        // rose from 2.32–2.68 to 2.64–3.01 × 10⁹ elements per second on one thread.
        let ahead = elements.start + block * BLOCK + prefetch::distance::<T>();
        prefetch::lines(batch_true, ahead..ahead + BLOCK);
        prefetch::lines(batch_pred, ahead..ahead + BLOCK);
        if scalar {
            partials_outlined(kernel, targets, predictions, output)?;
        } else {
            kernel.partials(targets, predictions, output)?;
        }
    }

    let mut column = [T::zero(); BLOCKS_PER_CHUNK];
    for (statistic, sum) in sums.iter_mut().enumerate() {
        for (block, leaf) in column[..blocks].iter_mut().enumerate() {
            *leaf = block_sums[block * statistics + statistic];
        }
        *sum = *sum + sum_block_slice(&column[..blocks]);
    }
    Ok(())
}

/// [`BatchKernel::partials`] through a call that is never inlined: the reference that
/// [`Level::Scalar`](crate::simd::Level::Scalar) defines.
#[inline(never)]
fn partials_outlined<T: LossFloat, K: BatchKernel<T>>(
    kernel: &K,
    y_true: &[T],
    y_pred: &[T],
    sums: &mut [T],
) -> Result<(), crate::KernelError> {
    kernel.partials(y_true, y_pred, sums)
}

/// [`BatchKernel::chunk_reverse`] through a call that is never inlined.
#[inline(never)]
fn reverse_outlined<T: LossFloat, K: BatchKernel<T>>(
    kernel: &K,
    y_true: &[T],
    y_pred: &[T],
    adjoints: &[T],
    grad: &mut [T],
) -> Result<(), crate::KernelError> {
    kernel.chunk_reverse(y_true, y_pred, adjoints, grad)
}
