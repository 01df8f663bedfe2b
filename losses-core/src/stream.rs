//! Non-temporal stores for gradients that do not fit in the caches.
//!
//! A store to a line that is not in the cache first reads the line from memory (a read
//! for ownership), so a gradient pass over a large batch moves each gradient line
//! twice. A non-temporal store writes whole lines through write-combining buffers
//! without reading them first, and leaves them out of the caches. The drivers use it
//! only for batches larger than [`prefetch::CACHED_BYTES`](crate::prefetch::CACHED_BYTES),
//! whose gradient would leave the caches before anything read it again.
//!
//! NOTE: the gradient is then in memory, not in the caches, when the caller reads it.
//! On a server whose level-3 cache is several times larger than 16 MiB, that reader
//! may wait longer than the stores saved. The threshold does not look at the size of
//! the caches.
//!
//! Non-temporal stores are weakly ordered, so [`fence`] must run after the last of them,
//! before the thread signals to another one that the output is ready.

/// Copies `source` into `target`, up to the length of the shorter one. The elements
/// before the first 16-byte boundary of `target` and after the last one go by plain
/// stores, the rest by non-temporal stores. On targets other than x86-64 it is a plain
/// copy.
#[inline(always)]
pub(crate) fn copy<T: Copy>(source: &[T], target: &mut [T]) {
    let len = source.len().min(target.len());
    let (source, target) = (&source[..len], &mut target[..len]);
    let size = std::mem::size_of::<T>();
    if size == 0 || 16 % size != 0 {
        target.copy_from_slice(source);
        return;
    }

    // Elements before the first 16-byte boundary of `target`, then whole 16-byte units.
    let misalignment = target.as_ptr() as usize % 16;
    let head = (((16 - misalignment) % 16) / size).min(len);
    let per_unit = 16 / size;
    let body = (len - head) / per_unit * per_unit;
    let (head_target, rest) = target.split_at_mut(head);
    let (body_target, tail_target) = rest.split_at_mut(body);
    head_target.copy_from_slice(&source[..head]);
    units(&source[head..head + body], body_target);
    tail_target.copy_from_slice(&source[head + body..]);
}

/// Copies whole 16-byte units into a 16-byte-aligned `target` by non-temporal stores.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn units<T: Copy>(source: &[T], target: &mut [T]) {
    use std::arch::x86_64::{__m128i, _mm_loadu_si128, _mm_stream_si128};

    let bytes = std::mem::size_of_val(source).min(std::mem::size_of_val(target));
    let (from, to) = (
        source.as_ptr().cast::<u8>(),
        target.as_mut_ptr().cast::<u8>(),
    );
    let mut offset = 0;
    while offset + 16 <= bytes {
        // SAFETY: `offset + 16 <= bytes`, so both 16-byte ranges lie inside the slices.
        // `_mm_loadu_si128` takes any alignment; `to + offset` is 16-byte aligned
        // because `target` starts on a boundary and `offset` is a multiple of 16, as
        // `_mm_stream_si128` requires. Both are SSE2, part of every x86-64 processor.
        unsafe {
            let unit = _mm_loadu_si128(from.add(offset).cast::<__m128i>());
            _mm_stream_si128(to.add(offset).cast::<__m128i>(), unit);
        }
        offset += 16;
    }
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn units<T: Copy>(source: &[T], target: &mut [T]) {
    target.copy_from_slice(source);
}

/// Orders the non-temporal stores of this thread before its later stores.
#[inline(always)]
pub(crate) fn fence() {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `sfence` is part of SSE, which every x86-64 processor has.
    unsafe {
        std::arch::x86_64::_mm_sfence();
    }
}

/// Runs [`fence`] when dropped, so that a pass that stops early at an error still
/// orders the stores it made.
pub(crate) struct FenceOnDrop;

impl Drop for FenceOnDrop {
    fn drop(&mut self) {
        fence();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_matches_at_every_alignment() {
        let source: Vec<f32> = (0..100).map(|k| k as f32 * 0.5).collect();
        for start in 0..8 {
            for len in [0, 1, 3, 4, 5, 17, 64, 91] {
                let mut target = vec![f32::NAN; 108];
                copy(&source[..len], &mut target[start..start + len]);
                fence();
                assert_eq!(&target[start..start + len], &source[..len]);
                assert!(target[..start].iter().all(|v| v.is_nan()));
                assert!(target[start + len..].iter().all(|v| v.is_nan()));
            }
        }
    }

    #[test]
    fn copy_handles_f64() {
        let source: Vec<f64> = (0..33).map(|k| k as f64 - 7.25).collect();
        for start in 0..4 {
            let mut target = vec![0.0f64; 40];
            copy(&source, &mut target[start..start + 33]);
            fence();
            assert_eq!(&target[start..start + 33], &source[..]);
        }
    }
}
