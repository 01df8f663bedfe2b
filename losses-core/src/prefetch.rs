//! Software prefetch for the drivers' loops.
//!
//! A loss with transcendental functions reads its inputs slowly, one cache line every
//! few dozen cycles, while the loop stays busy with arithmetic. On the KVM guests this
//! project is measured on, the hardware prefetcher did not keep such a stream ahead of
//! the loop. At 10⁷ elements the value of `LogCosh` ran at 0.33 × 10⁹ elements per
//! second, against 0.72 at 10⁶, with most samples on the first use of each load. The
//! drivers therefore ask for the lines a few kilobytes ahead of the element they read.
//!
//! A store that misses the cache waits for its line as a load does, so in the gradient
//! passes the drivers also ask for the lines of the gradient before the kernel writes
//! them. The elementwise pass asks for them into the level-2 cache, which was as fast
//! as the level-1 cache in the benchmarks. Short rows, such as the contrastive loss's,
//! ask for them into the level-1 cache, which was faster there. Rows and whole batches
//! larger than [`CACHED_BYTES`] instead write their gradient by non-temporal stores,
//! which need no line first ([`crate::stream`]).
//!
//! A prefetch only moves data between memory and the caches: it never faults, and it
//! changes no result. On targets other than x86-64 the functions do nothing.

use std::ops::Range;

/// How far ahead of the element a loop reads the drivers prefetch, in bytes. It covers
/// about 1 µs of a loop at 10⁹ `f32` elements per second, several times the latency of
/// main memory.
pub(crate) const DISTANCE_BYTES: usize = 4096;

/// The batch size, in bytes, above which the drivers take a batch to be out of the
/// caches of one core.
/// Current x86-64 cores have 1 to 2 MiB of level-2 cache and share a level-3 cache of
/// tens of MiB. Below this size, the batch a loss ran on at its last call is often
/// still in the level-3 cache: a prefetch there only adds requests, and a
/// non-temporal store would move the gradient out of the cache that its reader will
/// look in.
pub(crate) const CACHED_BYTES: usize = 16 << 20;

/// The size of a cache line on the x86-64 processors this crate dispatches to.
const LINE_BYTES: usize = 64;

/// Asks the CPU to load the cache lines of `slice[range]` into its caches. Indices past
/// the end of `slice` are ignored.
#[inline(always)]
pub(crate) fn lines<T>(slice: &[T], range: Range<usize>) {
    lines_from(slice.as_ptr(), slice.len(), range);
}

/// Asks the CPU to load the cache lines of elements `range` of the `len` elements from
/// `start`, for memory that the caller has lent out mutably. Indices past `len` are
/// ignored. Only the addresses are computed, and no element is read.
#[inline(always)]
pub(crate) fn lines_from<T>(start: *const T, len: usize, range: Range<usize>) {
    each_line(start, len, range, line_at);
}

/// Asks the CPU to load the cache lines of elements `range` of the `len` elements from
/// `start` into its level-2 cache only, where [`lines_from`] loads them into the level-1
/// cache as well. Indices past `len` are ignored.
#[inline(always)]
pub(crate) fn lines_to_l2_from<T>(start: *const T, len: usize, range: Range<usize>) {
    each_line(start, len, range, line_to_l2_at);
}

/// Calls `request` with an address in each cache line of elements `range` of the `len`
/// elements from `start`. Indices past `len` are ignored.
#[inline(always)]
fn each_line<T>(start: *const T, len: usize, range: Range<usize>, request: fn(*const T)) {
    let end = range.end.min(len);
    if range.start >= end {
        return;
    }

    let step = (LINE_BYTES / std::mem::size_of::<T>().max(1)).max(1);
    let mut index = range.start;
    while index < end {
        request(start.wrapping_add(index));
        index += step;
    }
    // The last element may sit on a line that the steps from `range.start` skipped.
    request(start.wrapping_add(end - 1));
}

/// Asks the CPU to load the cache line [`DISTANCE_BYTES`] after element `index` of
/// `slice`. That line may lie past the end of the slice: in a row of a batch, it is
/// usually in the rows after it, which the loop over the batch reads next. Elsewhere
/// the request loads a line that no loop reads, or the CPU drops it.
#[inline(always)]
pub(crate) fn ahead<T>(slice: &[T], index: usize) {
    let address = slice
        .as_ptr()
        .wrapping_add(index.wrapping_add(distance::<T>()));
    line_at_asm(address);
}

/// Returns how many elements of type `T` fit in [`DISTANCE_BYTES`].
#[inline(always)]
pub(crate) fn distance<T>() -> usize {
    DISTANCE_BYTES / std::mem::size_of::<T>().max(1)
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn line_at<T>(address: *const T) {
    use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};

    // SAFETY: `prefetcht0` is part of SSE, which every x86-64 processor has. It is a
    // hint: it reads nothing into a register and never faults, whatever the address,
    // mapped or not, so any pointer value is sound here.
    unsafe { _mm_prefetch::<_MM_HINT_T0>(address.cast::<i8>()) };
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn line_at<T>(_address: *const T) {}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn line_to_l2_at<T>(address: *const T) {
    use std::arch::x86_64::{_MM_HINT_T1, _mm_prefetch};

    // SAFETY: `prefetcht1` is part of SSE, like `prefetcht0` in `line_at`. It is a hint
    // that never faults, whatever the address.
    unsafe { _mm_prefetch::<_MM_HINT_T1>(address.cast::<i8>()) };
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn line_to_l2_at<T>(_address: *const T) {}

/// Asks for the line at `address` as [`line_at`] does, with `prefetcht0` written as
/// inline assembly that declares no memory access, for the loops in lanes.
///
/// To the compiler, the intrinsic of [`line_at`] may touch the memory it points into.
/// Called once per block in the loops in lanes of the reverse function, it kept the
/// loads of each block in order around it. The loop of Dice per row's three sums then
/// added some elements one at a time, with partial sums on the stack. With the
/// assembly it compiles as the same loop does in the value function, with its partial
/// sums in registers. value_and_grad of Dice per row at 10⁷ rose from 2.4–2.7 to
/// 3.0–3.4 × 10⁹ elements per second in single runs on one thread. The drivers keep
/// the intrinsic, because in their loops the assembly made the contrastive loss
/// slower: about 1.35 with it against 1.55 without.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
#[allow(
    clippy::pointers_in_nomem_asm_block,
    reason = "a prefetch reads no memory that the program can observe"
)]
fn line_at_asm<T>(address: *const T) {
    // SAFETY: `prefetcht0` is part of SSE, which every x86-64 processor has. It is only
    // a hint, which writes no register or flag and never faults, whatever the address,
    // mapped or not. It changes no memory that the program can observe, so `nomem`
    // holds.
    unsafe {
        std::arch::asm!(
            "prefetcht0 [{address}]",
            address = in(reg) address,
            options(nostack, preserves_flags, nomem),
        );
    }
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn line_at_asm<T>(_address: *const T) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    // A reversed range is one of the inputs under test.
    #[allow(clippy::reversed_empty_ranges)]
    fn lines_accepts_any_range() {
        let values = [1.0f32; 100];
        lines(&values, 0..100);
        lines(&values, 90..4000);
        lines(&values, 200..300);
        lines(&values, 50..10);
        lines::<f32>(&[], 0..1);
    }

    #[test]
    fn lines_from_accepts_any_range() {
        let values = [1.0f32; 100];
        lines_from(values.as_ptr(), values.len(), 90..4000);
        lines_from(values.as_ptr(), values.len(), usize::MAX - 1..usize::MAX);
        lines_from(std::ptr::null::<f32>(), 0, 0..10);
    }

    #[test]
    fn lines_to_l2_from_accepts_any_range() {
        let values = [1.0f32; 100];
        lines_to_l2_from(values.as_ptr(), values.len(), 0..100);
        lines_to_l2_from(values.as_ptr(), values.len(), 90..4000);
        lines_to_l2_from(values.as_ptr(), values.len(), usize::MAX - 1..usize::MAX);
        lines_to_l2_from(std::ptr::null::<f32>(), 0, 0..10);
    }

    #[test]
    fn ahead_accepts_any_index() {
        let values = [1.0f32; 100];
        ahead(&values, 0);
        ahead(&values, 99);
        ahead(&values, usize::MAX);
        ahead::<f32>(&[], 0);
    }

    #[test]
    fn distance_is_in_elements() {
        assert_eq!(distance::<f32>(), 1024);
        assert_eq!(distance::<f64>(), 512);
    }
}
