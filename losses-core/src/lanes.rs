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
//! [`full_blocks`] and [`full_blocks_mut`], as arrays of `LANES`, which need no bounds
//! checks in the lane loop. The elements after them run the same code on the whole
//! slices, with checks.
//!
//! A sum that runs over more than [`RUN_BLOCKS`] blocks adds its partials to `f64`
//! partials after each run of blocks, by [`flush`], so that its `f32` rounding error
//! does not grow with the row length.
//!
//! NOTE: only the sums that a loop carries are flushed. The reverse pass adds the
//! adjoint of a value from before the loop, such as a row's maximum, in partials
//! that run the whole row. By estimate, such a gradient term keeps the error the
//! forward sums had before the flush: 6 × 10⁻³ relative over 10⁷ equal `f32` elements.

use std::ops::Add;

use crate::LossFloat;

/// The number of partial sums of a generated sum loop.
pub const LANES: usize = 16;

/// Returns the `len` elements of `slice` from `start` in blocks of `N`, cut where the
/// slice ends. The generated loops pass a `len` that is a multiple of `N` and fits.
#[inline(always)]
pub fn full_blocks<T, const N: usize>(
    slice: &[T],
    start: usize,
    len: usize,
) -> std::slice::ChunksExact<'_, T> {
    let (start, end) = clamp_range(slice.len(), start, len);
    slice.split_at(end).0.split_at(start).1.chunks_exact(N)
}

/// Returns the `len` elements of `slice` from `start` in blocks of `N` for writing, cut
/// where the slice ends. The generated loops pass a `len` that is a multiple of `N`
/// and fits.
#[inline(always)]
pub fn full_blocks_mut<T, const N: usize>(
    slice: &mut [T],
    start: usize,
    len: usize,
) -> std::slice::ChunksExactMut<'_, T> {
    let (start, end) = clamp_range(slice.len(), start, len);
    slice
        .split_at_mut(end)
        .0
        .split_at_mut(start)
        .1
        .chunks_exact_mut(N)
}

/// Returns `start..start + len` cut to a slice of `slice_len` elements, as
/// `(start, end)` with `start <= end <= slice_len`, so that splitting at them cannot
/// panic.
///
/// The blocks are cut with `split_at` rather than taken with `get`, whose `None`
/// would fall back on an empty slice. That fallback's pointer is not derived from
/// the argument, so the compiler could no longer tell that a gradient block does not
/// alias the partial sums. It then kept the partials in memory and added a run-time
/// overlap check to every loop that writes a gradient.
#[inline(always)]
fn clamp_range(slice_len: usize, start: usize, len: usize) -> (usize, usize) {
    let end = start.saturating_add(len).min(slice_len);
    (start.min(end), end)
}

/// Prefetches the line a few kilobytes after element `index` of `slice`, which may
/// lie past its end, in the rows that a loop over a batch reads next.
///
/// A generated loop in lanes calls this once per block of each slice it reads, in the
/// forward statements of the reverse function. Between samples, the drivers prefetch
/// every line of a row at once, but not in the gradient pass of long rows
/// (`kernel::multi`). This function spreads the requests over the loops that read the
/// row first. It raised value_and_grad of categorical cross-entropy on rows of 1000
/// from 0.46 to 0.48 to 0.51 × 10⁹ elements per second on one thread. The value keeps
/// the drivers' prefetch alone: with this one as well, the value of Dice per sample fell
/// from 3.1 to 2.4.
#[inline(always)]
pub fn prefetch_ahead<T>(slice: &[T], index: usize) {
    crate::prefetch::ahead(slice, index);
}

/// The blocks of `LANES` elements that a generated sum loop adds to its partial sums
/// before it adds them to its wide partials, [`flush`].
pub const RUN_BLOCKS: usize = 64;

/// Returns the wide partial sums with each partial sum added, in `f64`.
///
/// A generated sum loop calls this after each run of [`RUN_BLOCKS`] blocks and then
/// sets its partials to zero, so that each `f32` partial adds at most 64 elements one
/// after another. Over one row of 10⁷ elements of 0.1, partials that ran the whole row
/// were off by 6 × 10⁻³ relative. With this flush they are off by 5.8 × 10⁻⁷
/// (`tests/accuracy.rs`), and a flush every 32 blocks gave 3.3 × 10⁻⁷. The flush and the
/// final sum in `f64` cost the value of Dice per row, rows of 1000, about a tenth of
/// its speed (3.6 to 3.2 × 10⁹ elements per second on one thread).
#[inline(always)]
pub fn flush<V: LossFloat>(mut wide: [f64; LANES], partials: [V; LANES]) -> [f64; LANES] {
    for (sum, partial) in wide.iter_mut().zip(partials) {
        *sum += LossFloat::to_f64(partial);
    }
    wide
}

/// Returns the total of a sum loop from its wide partials and the partials since the
/// last [`flush`]: their lane sums in `f64`, added by [`sum_lanes`] and rounded once.
#[inline(always)]
pub fn sum_wide<V: LossFloat>(wide: [f64; LANES], partials: [V; LANES]) -> V {
    V::from_f64_value(sum_lanes(&flush(wide, partials)))
}

/// Adds the partial sums of a sum loop by a fixed pairwise tree.
///
/// The partials pass through [`std::hint::black_box`], which keeps them in memory
/// for the tree. Without it, the compiler fuses the tree into the loop that feeds it,
/// pairs lane `k` with lane `k + 8`, and vectorises the whole loop two lanes at a
/// time: a sum over a row of 1000 then ran on 128-bit registers at every level. With
/// it, the loop keeps each array of partials in one 512-bit register (two 256-bit
/// ones on AVX2). It changes no bit of the result.
#[inline(always)]
pub fn sum_lanes<V: Copy + Add<Output = V>>(lanes: &[V; LANES]) -> V {
    let mut width = LANES;
    let mut partial = std::hint::black_box(*lanes);
    while width > 1 {
        width /= 2;
        for k in 0..width {
            partial[k] = partial[k] + partial[k + width];
        }
    }
    partial[0]
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
    fn full_blocks_reads_only_whole_blocks() {
        let values = [0, 1, 2, 3, 4, 5, 6];
        let blocks: Vec<&[i32]> = full_blocks::<_, 2>(&values, 1, 4).collect();
        assert_eq!(blocks, [&[1, 2][..], &[3, 4][..]]);
        let cut: Vec<&[i32]> = full_blocks::<_, 2>(&values, 4, 4).collect();
        assert_eq!(cut, [&[4, 5][..]]);
        assert_eq!(full_blocks::<_, 2>(&values, 9, 2).count(), 0);
        assert_eq!(full_blocks::<_, 2>(&values, usize::MAX, 2).count(), 0);
    }

    #[test]
    fn full_blocks_mut_writes_into_slice() {
        let mut values = [0, 1, 2, 3];
        for pair in full_blocks_mut::<_, 2>(&mut values, 2, 2) {
            pair[1] = 7;
        }
        assert_eq!(values, [0, 1, 2, 7]);
        assert_eq!(full_blocks_mut::<_, 2>(&mut values, 3, 2).count(), 0);
        assert_eq!(full_blocks_mut::<_, 2>(&mut values, 7, 2).count(), 0);
    }
}
