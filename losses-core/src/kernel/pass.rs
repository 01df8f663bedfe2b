//! The hot loops of the elementwise drivers.
//!
//! A pass covers a range of samples, block by block. A block is 128 samples, one leaf
//! of the pairwise tree over samples. For each block the kernel runs over the block's
//! elements in a plain loop over slices, which the loop vectoriser compiles to packed
//! code at the level [`simd::run`](crate::simd::run) dispatched to. The per-element
//! losses go to a buffer, from which the per-sample losses and the block's sum are
//! taken with the additions of [`sum`](crate::sum).
//!
//! Every function here is `#[inline(always)]`, so that the whole pass is compiled with
//! the target features of the level it runs at.

use std::ops::Range;

use super::ElementwiseKernel;
use super::layout::CheckedBatch;
use crate::simd::Job;
use crate::sum::{BLOCK_LEN, PairwiseSum, sum_block_slice, sum_slice_inlined};
use crate::{LossFloat, prefetch};

/// Elements that one run of the element loop evaluates when samples have several
/// features: samples are grouped up to this many elements, so that short samples still
/// fill the vector lanes.
const SCRATCH_LEN: usize = 1024;

/// A span is `2^SPAN_HEIGHT` blocks. A full span starts at a multiple of its blocks, so
/// it is a subtree of the tree over all blocks: its sum is formed in registers and
/// added to the tree once. Adding each block to the tree instead would chain every
/// addition through the tree's stack in memory, which profiling showed to cost more
/// than the element loop of a squared error.
const SPAN_HEIGHT: u32 = 3;

/// The gradient output of a pass.
pub(super) struct Gradient<'g, T> {
    /// The row-major entries of the samples the pass covers.
    pub(super) entries: &'g mut [T],
    /// `1 / (D F)`: the seed of an element whose sample has weight 1.
    pub(super) seed_per_weight: T,
}

/// Sums `wᵢ lᵢ` over a range of samples by the pairwise tree over blocks of samples,
/// and writes the gradient of those samples when asked.
pub(super) struct SumJob<'p, 'a, 'g, T: LossFloat, K> {
    pub(super) kernel: &'p K,
    pub(super) batch: &'p CheckedBatch<'a, T>,
    /// Starts at a multiple of the block length, so that the blocks of the pass are
    /// leaves of the tree over all samples.
    pub(super) samples: Range<usize>,
    pub(super) gradient: Option<Gradient<'g, T>>,
}

/// Writes `wᵢ lᵢ` for every sample of the batch.
pub(super) struct PerSampleJob<'p, 'a, 'o, T: LossFloat, K> {
    pub(super) kernel: &'p K,
    pub(super) batch: &'p CheckedBatch<'a, T>,
    pub(super) losses: &'o mut [T],
}

impl<T: LossFloat, K: ElementwiseKernel<T>> Job for SumJob<'_, '_, '_, T, K> {
    type Output = T;

    #[inline(always)]
    fn run(self, scalar: bool) -> T {
        if scalar {
            self.sum::<Outlined>()
        } else {
            self.sum::<Inlined>()
        }
    }
}

impl<T: LossFloat, K: ElementwiseKernel<T>> SumJob<'_, '_, '_, T, K> {
    #[inline(always)]
    fn sum<E: Evaluate>(self) -> T {
        let (seed_per_weight, mut entries) = match self.gradient {
            Some(gradient) => (gradient.seed_per_weight, Some(gradient.entries)),
            None => (T::zero(), None),
        };
        let mut pass = Pass::<T, K, E>::new(self.kernel, self.batch, seed_per_weight);
        let feature_count = self.batch.feature_count;
        // With one feature and no weights, an element's loss is its sample's term.
        let direct = feature_count == 1 && !self.batch.is_weighted();

        let mut tree = PairwiseSum::new();
        let mut terms = [T::zero(); BLOCK_LEN];
        let mut span = [T::zero(); 1 << SPAN_HEIGHT];
        let mut span_len = 0;
        for block_start in self.samples.clone().step_by(BLOCK_LEN) {
            let count = BLOCK_LEN.min(self.samples.end - block_start);
            let offset = (block_start - self.samples.start) * feature_count;
            if let Some(entries) = entries.as_deref() {
                // Prefetches the gradient entries into the level-2 cache, as far ahead as
                // the inputs, because a store that misses the cache waits for its line.
                // On the Intel guest of `docs/BENCHMARKS.md`, value_and_grad of MSE at
                // 10⁷ elements rose from 1.11–1.54 to 1.58–2.23 × 10⁹ elements per second
                // on one thread, and MAE from 1.16–1.43 to 1.76–1.98. BCE, bound by its
                // logarithms, and the rates at 10⁶ did not change.
                let ahead = offset + prefetch::distance::<T>();
                let range = ahead..ahead + count * feature_count;
                prefetch::lines_to_l2_from(entries.as_ptr(), entries.len(), range);
            }
            let block_entries = entries
                .as_deref_mut()
                .map(|entries| &mut entries[offset..offset + count * feature_count]);
            span[span_len] = if direct && count == BLOCK_LEN {
                pass.direct_block_sum(block_start, block_entries)
            } else {
                pass.terms(block_start, &mut terms[..count], block_entries);
                sum_block_slice(&terms[..count])
            };
            span_len += 1;
            if span_len == span.len() {
                let pair = |k: usize| span[k] + span[k + 1];
                tree.push_subtree((pair(0) + pair(2)) + (pair(4) + pair(6)), SPAN_HEIGHT);
                span_len = 0;
            }
        }
        for &block_sum in &span[..span_len] {
            tree.push(block_sum);
        }
        tree.finish()
    }
}

impl<T: LossFloat, K: ElementwiseKernel<T>> Job for PerSampleJob<'_, '_, '_, T, K> {
    type Output = ();

    #[inline(always)]
    fn run(self, scalar: bool) {
        if scalar {
            self.write::<Outlined>();
        } else {
            self.write::<Inlined>();
        }
    }
}

impl<T: LossFloat, K: ElementwiseKernel<T>> PerSampleJob<'_, '_, '_, T, K> {
    #[inline(always)]
    fn write<E: Evaluate>(self) {
        let mut pass = Pass::<T, K, E>::new(self.kernel, self.batch, T::zero());
        for (run, terms) in self.losses.chunks_mut(SCRATCH_LEN).enumerate() {
            pass.terms(run * SCRATCH_LEN, terms, None);
        }
    }
}

/// A way for the element loop to call the kernel: inlined, or through a call.
trait Evaluate {
    fn forward<T: LossFloat, K: ElementwiseKernel<T>>(kernel: &K, y_true: T, y_pred: T) -> T;

    fn reverse<T: LossFloat, K: ElementwiseKernel<T>>(
        kernel: &K,
        y_true: T,
        y_pred: T,
        seed: T,
    ) -> (T, T);
}

/// Inlined into the loop, which the loop vectoriser then packs into SIMD lanes.
struct Inlined;

/// Through a call that is never inlined, so the loop runs one element at a time.
struct Outlined;

impl Evaluate for Inlined {
    #[inline(always)]
    fn forward<T: LossFloat, K: ElementwiseKernel<T>>(kernel: &K, y_true: T, y_pred: T) -> T {
        kernel.forward(y_true, y_pred)
    }

    #[inline(always)]
    fn reverse<T: LossFloat, K: ElementwiseKernel<T>>(
        kernel: &K,
        y_true: T,
        y_pred: T,
        seed: T,
    ) -> (T, T) {
        kernel.reverse(y_true, y_pred, seed)
    }
}

impl Evaluate for Outlined {
    #[inline(never)]
    fn forward<T: LossFloat, K: ElementwiseKernel<T>>(kernel: &K, y_true: T, y_pred: T) -> T {
        kernel.forward(y_true, y_pred)
    }

    #[inline(never)]
    fn reverse<T: LossFloat, K: ElementwiseKernel<T>>(
        kernel: &K,
        y_true: T,
        y_pred: T,
        seed: T,
    ) -> (T, T) {
        kernel.reverse(y_true, y_pred, seed)
    }
}

/// The seeds of a run of elements.
#[derive(Clone, Copy)]
enum Seeds<'s, T> {
    /// One seed for every element.
    Uniform(T),
    /// One seed per element.
    PerElement(&'s [T]),
}

/// Buffers for one run of the element loop.
struct Scratch<T> {
    losses: [T; SCRATCH_LEN],
    seeds: [T; SCRATCH_LEN],
}

/// The state of a pass: the kernel, the batch and the buffers the element loop uses.
struct Pass<'p, 'a, T: LossFloat, K, E> {
    kernel: &'p K,
    batch: &'p CheckedBatch<'a, T>,
    seed_per_weight: T,
    scratch: Scratch<T>,
    evaluate: std::marker::PhantomData<E>,
}

impl<'p, 'a, T: LossFloat, K: ElementwiseKernel<T>, E: Evaluate> Pass<'p, 'a, T, K, E> {
    #[inline(always)]
    fn new(kernel: &'p K, batch: &'p CheckedBatch<'a, T>, seed_per_weight: T) -> Self {
        Self {
            kernel,
            batch,
            seed_per_weight,
            scratch: Scratch {
                losses: [T::zero(); SCRATCH_LEN],
                seeds: [T::zero(); SCRATCH_LEN],
            },
            evaluate: std::marker::PhantomData,
        }
    }

    /// Writes `terms[k] = wₛ lₛ` for the samples `s = first + k`, with `lₛ` the mean
    /// of the kernel over the sample's features, and writes the gradient entries of
    /// those samples into `entries` when given.
    #[inline(always)]
    fn terms(&mut self, first: usize, terms: &mut [T], entries: Option<&mut [T]>) {
        let feature_count = self.batch.feature_count;
        if feature_count == 1 {
            // A sum of one term is that term, and division by 1 is exact, so the
            // element losses are the sample losses.
            let seeds = seeds(
                self.batch,
                self.seed_per_weight,
                (first, terms.len()),
                entries.is_some(),
                &mut self.scratch.seeds,
            );
            let elements = first..first + terms.len();
            evaluate::<T, K, E>(self.kernel, self.batch, elements, terms, entries, seeds);
        } else if feature_count <= SCRATCH_LEN {
            self.grouped_terms(first, terms, entries);
        } else {
            self.long_terms(first, terms, entries);
        }

        if self.batch.is_weighted() {
            for (k, term) in terms.iter_mut().enumerate() {
                *term = self.batch.weight(first + k) * *term;
            }
        }
    }

    /// Returns the sum of the terms of the full block of samples from `first`, for
    /// samples of one feature and no weights, and writes their gradient entries when
    /// given: [`sum_block_slice`] of the element losses. The block is a local array
    /// with nothing between its loop and its sum, so the compiler can keep it in
    /// vector registers instead of storing and reloading it.
    #[inline(always)]
    fn direct_block_sum(&mut self, first: usize, entries: Option<&mut [T]>) -> T {
        let mut block = [T::zero(); BLOCK_LEN];
        let seeds = Seeds::Uniform(self.seed_per_weight);
        let elements = first..first + BLOCK_LEN;
        evaluate::<T, K, E>(
            self.kernel,
            self.batch,
            elements,
            &mut block,
            entries,
            seeds,
        );
        sum_block_slice(&block)
    }

    /// `terms` for samples of up to `SCRATCH_LEN` features: as many samples as fit in
    /// the buffer per run of the element loop.
    #[inline(always)]
    fn grouped_terms(&mut self, first: usize, terms: &mut [T], mut entries: Option<&mut [T]>) {
        let feature_count = self.batch.feature_count;
        let divisor = T::from_usize(feature_count);
        let samples_per_run = SCRATCH_LEN / feature_count;

        for run_start in (0..terms.len()).step_by(samples_per_run) {
            let run_samples = samples_per_run.min(terms.len() - run_start);
            let len = run_samples * feature_count;
            let offset = run_start * feature_count;
            let run_entries = entries
                .as_deref_mut()
                .map(|entries| &mut entries[offset..offset + len]);
            let sample = first + run_start;
            let seeds = seeds(
                self.batch,
                self.seed_per_weight,
                (sample, run_samples),
                run_entries.is_some(),
                &mut self.scratch.seeds,
            );
            let elements = sample * feature_count..sample * feature_count + len;
            let losses = &mut self.scratch.losses[..len];
            evaluate::<T, K, E>(
                self.kernel,
                self.batch,
                elements,
                losses,
                run_entries,
                seeds,
            );

            let sample_losses = losses.chunks_exact(feature_count);
            for (term, sample_loss) in terms[run_start..].iter_mut().zip(sample_losses) {
                *term = sum_slice_inlined(sample_loss) / divisor;
            }
        }
    }

    /// `terms` for samples of more than `SCRATCH_LEN` features: one sample at a time,
    /// its elements in blocks that are the leaves of its pairwise sum.
    #[inline(always)]
    fn long_terms(&mut self, first: usize, terms: &mut [T], mut entries: Option<&mut [T]>) {
        let feature_count = self.batch.feature_count;
        let divisor = T::from_usize(feature_count);

        for (k, term) in terms.iter_mut().enumerate() {
            let sample = first + k;
            let seeds = Seeds::Uniform(self.batch.weight(sample) * self.seed_per_weight);
            let mut tree = PairwiseSum::new();
            for start in (0..feature_count).step_by(BLOCK_LEN) {
                let len = BLOCK_LEN.min(feature_count - start);
                let offset = k * feature_count + start;
                let block_entries = entries
                    .as_deref_mut()
                    .map(|entries| &mut entries[offset..offset + len]);
                let element = sample * feature_count + start;
                let losses = &mut self.scratch.losses[..len];
                evaluate::<T, K, E>(
                    self.kernel,
                    self.batch,
                    element..element + len,
                    losses,
                    block_entries,
                    seeds,
                );
                tree.push(sum_block_slice(losses));
            }
            *term = tree.finish() / divisor;
        }
    }
}

/// Returns the seeds of the elements of `count` samples from `first`: `wₛ / (D F)` for each
/// element of sample `s`, written to `buffer` when they differ. Without weights every
/// seed is `1 / (D F)`, and without a gradient the seeds are not used.
#[inline(always)]
fn seeds<'s, T: LossFloat>(
    batch: &CheckedBatch<'_, T>,
    seed_per_weight: T,
    (first, count): (usize, usize),
    with_gradient: bool,
    buffer: &'s mut [T; SCRATCH_LEN],
) -> Seeds<'s, T> {
    if !with_gradient || !batch.is_weighted() {
        return Seeds::Uniform(seed_per_weight);
    }
    let feature_count = batch.feature_count;
    let seeds = &mut buffer[..count * feature_count];
    for (k, sample_seeds) in seeds.chunks_exact_mut(feature_count).enumerate() {
        sample_seeds.fill(batch.weight(first + k) * seed_per_weight);
    }
    Seeds::PerElement(seeds)
}

/// Runs the element loop: `losses[i]` is the kernel's loss at element `elements.start + i`,
/// and, when `entries` is given, `entries[i]` its seeded partial derivative.
#[inline(always)]
fn evaluate<T: LossFloat, K: ElementwiseKernel<T>, E: Evaluate>(
    kernel: &K,
    batch: &CheckedBatch<'_, T>,
    elements: Range<usize>,
    losses: &mut [T],
    entries: Option<&mut [T]>,
    seeds: Seeds<'_, T>,
) {
    // The next elements of a run are prefetched while this one computes.
    let distance = prefetch::distance::<T>();
    let ahead = elements.start + distance..elements.end + distance;
    prefetch::lines(&batch.y_true, ahead.clone());
    prefetch::lines(&batch.y_pred, ahead);

    // Slices of one length, so that the loops need no bounds checks.
    let len = losses.len();
    let y_true = &batch.y_true[elements.clone()][..len];
    let y_pred = &batch.y_pred[elements][..len];

    match (entries, seeds) {
        (None, _) => {
            for i in 0..len {
                losses[i] = E::forward(kernel, y_true[i], y_pred[i]);
            }
        }
        (Some(entries), Seeds::Uniform(seed)) => {
            let entries = &mut entries[..len];
            for i in 0..len {
                let (loss, partial) = E::reverse(kernel, y_true[i], y_pred[i], seed);
                losses[i] = loss;
                entries[i] = partial;
            }
        }
        (Some(entries), Seeds::PerElement(seeds)) => {
            let (entries, seeds) = (&mut entries[..len], &seeds[..len]);
            for i in 0..len {
                let (loss, partial) = E::reverse(kernel, y_true[i], y_pred[i], seeds[i]);
                losses[i] = loss;
                entries[i] = partial;
            }
        }
    }
}
