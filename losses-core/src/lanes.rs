//! Helpers for the sum loops that `#[loss]` generates for row losses.
//!
//! A sum over a row, `acc += e` for `i in lo..hi`, is a chain of dependent additions
//! that the compiler may not reorder, so it cannot be vectorised as written. The
//! generated loop instead keeps [`LANES`] partial sums: element `lo + k` is added to
//! partial `k % LANES`, and the partials are combined by [`sum_lanes`] after the loop.
//! The elements run in blocks of `LANES`, each block as a loop over the lanes that the
//! compiler can turn into vector instructions. The lane count is fixed, not taken from
//! the vector width, so the result has the same bits at every instruction set level.
//!
//! The full blocks that every slice holds come first. They read the slices through
//! [`block`] and [`block_mut`], as arrays of `LANES`, which need no bounds checks in
//! the lane loop. The elements after them run the same code on the whole slices, with
//! checks.
//!
//! After every 16 full blocks, the generated loop adds its partials with [`sum_lanes`],
//! pushes that block sum into a [`Cascade`] and starts the partials again from 0. The
//! cascade merges block sums pairwise, so the rounding error of an `f32` sum over a row
//! grows with the logarithm of the row length, not with the length.

use std::ops::Add;

/// The number of partial sums of a generated sum loop.
pub const LANES: usize = 16;

/// Returns the `N` elements of `slice` from `start`, or `None` when the slice ends
/// before them.
#[inline(always)]
pub fn block<T, const N: usize>(slice: &[T], start: usize) -> Option<&[T; N]> {
    slice.get(start..)?.first_chunk::<N>()
}

/// Returns the `N` elements of `slice` from `start` for writing, or `None` when the
/// slice ends before them.
#[inline(always)]
pub fn block_mut<T, const N: usize>(slice: &mut [T], start: usize) -> Option<&mut [T; N]> {
    slice.get_mut(start..)?.first_chunk_mut::<N>()
}

/// Adds the partial sums of a sum loop by a fixed pairwise tree.
#[inline(always)]
pub fn sum_lanes<V: Copy + Add<Output = V>>(lanes: &[V; LANES]) -> V {
    let mut width = LANES;
    let mut partial = *lanes;
    while width > 1 {
        width /= 2;
        for k in 0..width {
            partial[k] = partial[k] + partial[k + width];
        }
    }
    partial[0]
}

/// Block sums of a long sum loop, merged pairwise as a binary counter carries: the
/// sum at level `k` covers `2^k` blocks. The order of every addition depends only on
/// the number of blocks pushed, so the result is the same at every instruction set
/// level.
pub struct Cascade<V> {
    levels: [V; 64],
    filled: u64,
}

impl<V: Copy + Add<Output = V>> Cascade<V> {
    /// An empty cascade; `zero` fills the unused levels.
    #[inline(always)]
    pub fn new(zero: V) -> Self {
        Cascade {
            levels: [zero; 64],
            filled: 0,
        }
    }

    /// Adds the sum of one more block.
    #[inline]
    pub fn push(&mut self, mut value: V) {
        let mut level = 0;
        while self.filled & (1 << level) != 0 {
            value = self.levels[level] + value;
            self.filled &= !(1 << level);
            level += 1;
        }
        self.levels[level] = value;
        self.filled |= 1 << level;
    }

    /// Returns `rest` plus every block sum, the smallest levels first.
    #[inline]
    pub fn total(&self, rest: V) -> V {
        let mut total = rest;
        for level in 0..64 {
            if self.filled & (1 << level) != 0 {
                total = total + self.levels[level];
            }
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sum_lanes_adds_halves_pairwise() {
        // 1e8 + 1 rounds to 1e8 in f32. A sum from left to right would lose the seven
        // 1s after 1e8 and give 7; the tree adds lane 8 to lane 0 first, which cancels.
        let mut lanes = [1.0f32; LANES];
        lanes[0] = 1e8;
        lanes[8] = -1e8;
        assert_eq!(sum_lanes(&lanes), 14.0);
    }

    #[test]
    fn block_reads_only_whole_blocks() {
        let values = [0, 1, 2, 3, 4];
        assert_eq!(block::<_, 2>(&values, 3), Some(&[3, 4]));
        assert_eq!(block::<_, 2>(&values, 4), None);
        assert_eq!(block::<_, 2>(&values, 9), None);
    }

    #[test]
    fn block_mut_writes_into_slice() {
        let mut values = [0, 1, 2];
        if let Some(pair) = block_mut::<_, 2>(&mut values, 1) {
            pair[1] = 7;
        }
        assert_eq!(values, [0, 1, 7]);
        assert_eq!(block_mut::<_, 2>(&mut values, 2), None);
    }

    #[test]
    fn cascade_merges_block_sums_pairwise() {
        // Five pushes fill levels 0 (the fifth block) and 2 (the first four blocks).
        let mut cascade = Cascade::new(0.0f64);
        for block in 1..=5 {
            cascade.push(block as f64);
        }
        assert_eq!(cascade.filled, 0b101);
        assert_eq!(cascade.levels[2], 10.0);
        assert_eq!(cascade.total(0.5), 15.5);
    }

    #[test]
    fn cascade_keeps_f32_sums_accurate() {
        // 2^20 blocks of 0.1: a running f32 sum drifts by about 1e-3 relative.
        let mut cascade = Cascade::new(0.0f32);
        for _ in 0..1 << 20 {
            cascade.push(0.1);
        }
        let exact = 0.1f32 as f64 * (1 << 20) as f64;
        let relative = (cascade.total(0.0) as f64 - exact).abs() / exact;
        assert!(relative < 1e-6, "relative error {relative}");
    }
}
