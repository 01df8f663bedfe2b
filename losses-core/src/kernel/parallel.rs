//! Splitting a pass over threads without changing its result.
//!
//! With the `parallel` feature, a batch of several chunks is summed by rayon's thread
//! pool. A chunk is a run of `2^j` blocks of samples, with `j` chosen from the number
//! of features so that a chunk holds at least `MIN_CHUNK_ELEMENTS` elements. The chunk
//! sums are combined by the tree that [`sum`](crate::sum) uses over blocks, which makes
//! the result bit-identical to a serial pass, whatever the number of threads. Each
//! chunk writes its own disjoint part of the gradient.

use super::ElementwiseKernel;
use super::layout::CheckedBatch;
use super::pass::{Gradient, SumJob};
use crate::LossFloat;
use crate::simd::{self, SupportedLevel};
#[cfg(feature = "parallel")]
use crate::sum::BLOCK_LEN;

/// Fewer elements than this per chunk would let the cost of handing work to another
/// thread, about a microsecond, show next to the work itself.
#[cfg(feature = "parallel")]
const MIN_CHUNK_ELEMENTS: usize = 1 << 16;

/// Sums `wᵢ lᵢ` over all samples and writes the gradient when asked, on the threads of
/// the current rayon pool when the batch has several chunks.
pub(super) fn sum<T: LossFloat, K: ElementwiseKernel<T> + Sync>(
    level: SupportedLevel,
    kernel: &K,
    batch: &CheckedBatch<'_, T>,
    gradient: Option<Gradient<'_, T>>,
) -> T {
    #[cfg(feature = "parallel")]
    {
        let chunk_samples = chunk_samples(batch.feature_count);
        let chunks = batch.sample_count.div_ceil(chunk_samples);
        if chunks > 1 && rayon::current_num_threads() > 1 {
            let chunking = Chunking {
                level,
                kernel,
                batch,
                chunk_samples,
            };
            return chunking.sum(0..chunks, gradient);
        }
    }

    let samples = 0..batch.sample_count;
    let job = SumJob {
        kernel,
        batch,
        samples,
        gradient,
    };
    simd::run(level, job)
}

/// Samples per chunk: `2^j` blocks, the fewest that hold `MIN_CHUNK_ELEMENTS` elements.
#[cfg(feature = "parallel")]
fn chunk_samples(feature_count: usize) -> usize {
    let blocks = MIN_CHUNK_ELEMENTS.div_ceil(BLOCK_LEN * feature_count);
    blocks.next_power_of_two() * BLOCK_LEN
}

/// The fixed parts of a pass split into chunks.
#[cfg(feature = "parallel")]
struct Chunking<'p, 'a, T: LossFloat, K> {
    level: SupportedLevel,
    kernel: &'p K,
    batch: &'p CheckedBatch<'a, T>,
    chunk_samples: usize,
}

#[cfg(feature = "parallel")]
impl<T: LossFloat, K: ElementwiseKernel<T> + Sync> Chunking<'_, '_, T, K> {
    /// Sums the chunks `chunks`, with `gradient` holding the entries of exactly those
    /// chunks. Two or more chunks split as the pairwise tree does, at the largest power
    /// of two below their count, and the halves run in parallel.
    fn sum(&self, chunks: std::ops::Range<usize>, gradient: Option<Gradient<'_, T>>) -> T {
        let samples = self.samples(chunks.clone());
        if chunks.len() == 1 {
            let job = SumJob {
                kernel: self.kernel,
                batch: self.batch,
                samples,
                gradient,
            };
            return simd::run(self.level, job);
        }

        let left_len = 1 << (usize::BITS - 1 - (chunks.len() - 1).leading_zeros());
        let middle = chunks.start + left_len;
        let left_elements = (self.samples(chunks.start..middle).len()) * self.batch.feature_count;
        let (left_gradient, right_gradient) = match gradient {
            Some(Gradient {
                entries,
                seed_per_weight,
            }) => {
                let (left, right) = entries.split_at_mut(left_elements);
                let left = Gradient {
                    entries: left,
                    seed_per_weight,
                };
                let right = Gradient {
                    entries: right,
                    seed_per_weight,
                };
                (Some(left), Some(right))
            }
            None => (None, None),
        };
        let (left, right) = rayon::join(
            || self.sum(chunks.start..middle, left_gradient),
            || self.sum(middle..chunks.end, right_gradient),
        );
        left + right
    }

    /// Returns the samples of the chunks `chunks`.
    fn samples(&self, chunks: std::ops::Range<usize>) -> std::ops::Range<usize> {
        let end = (chunks.end * self.chunk_samples).min(self.batch.sample_count);
        chunks.start * self.chunk_samples..end
    }
}
