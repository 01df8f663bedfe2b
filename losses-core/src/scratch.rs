//! Scratch buffers for the local arrays of `#[loss]` row losses.
//!
//! A row kernel that declares `let mut v = vec![fill; n];` takes a buffer from a pool
//! of its thread and gives it back when the row is done. A batch therefore allocates
//! once per thread and buffer, when a row first needs more room than the buffer has,
//! and never per row or per element.

use std::any::Any;
use std::cell::RefCell;
use std::ops::{Deref, DerefMut};

thread_local! {
    /// Buffers given back by finished rows, each a `Vec<T>` for some element type.
    static POOL: RefCell<Vec<Box<dyn Any>>> = const { RefCell::new(Vec::new()) };
}

/// A buffer of `len` elements taken from the thread's pool, returned to it on drop.
pub struct Scratch<T: Copy + 'static> {
    // The box is the allocation the pool stores as `Box<dyn Any>`: keeping it means
    // that giving a buffer back allocates nothing.
    #[allow(clippy::box_collection)]
    buffer: Option<Box<Vec<T>>>,
}

impl<T: Copy + 'static> Scratch<T> {
    /// Takes a buffer of `len` copies of `fill`, reusing the memory of a buffer that an
    /// earlier row gave back.
    ///
    /// Returns `None` when the memory cannot be reserved: a length whose size in bytes
    /// exceeds `isize::MAX`, or one the allocator refuses. The generated code reports
    /// that as an error instead of letting the allocation abort the process.
    ///
    /// NOTE: with memory overcommit, as on Linux by default, a length that the
    /// allocator grants but the machine cannot back is not caught here.
    pub fn take(len: usize, fill: T) -> Option<Self> {
        Self::take_keeping(0, len, fill)
    }

    /// Takes a buffer of `len` elements for a caller that writes every element before
    /// reading it. The elements keep whatever values the buffer held when a row gave it
    /// back, and only those past its old length are set to `fill`, so that a buffer
    /// taken once per row costs no pass over its elements.
    ///
    /// Returns `None` as [`Scratch::take`] does.
    pub fn take_for_overwrite(len: usize, fill: T) -> Option<Self> {
        Self::take_keeping(len, len, fill)
    }

    /// Takes a reused buffer, keeps up to `keep` of its old elements, and sets the rest
    /// of its `len` elements to `fill`.
    fn take_keeping(keep: usize, len: usize, fill: T) -> Option<Self> {
        let mut buffer = reuse::<T>().unwrap_or_default();
        buffer.truncate(keep);
        buffer.try_reserve(len - buffer.len()).ok()?;
        buffer.resize(len, fill);
        Some(Scratch {
            buffer: Some(buffer),
        })
    }
}

/// Removes a buffer of element type `T` from the pool, if it has one.
#[allow(clippy::box_collection)]
fn reuse<T: 'static>() -> Option<Box<Vec<T>>> {
    POOL.try_with(|pool| {
        let mut pool = pool.try_borrow_mut().ok()?;
        let position = pool.iter().position(|buffer| buffer.is::<Vec<T>>())?;
        pool.swap_remove(position).downcast::<Vec<T>>().ok()
    })
    .ok()
    .flatten()
}

impl<T: Copy + 'static> Drop for Scratch<T> {
    fn drop(&mut self) {
        let Some(buffer) = self.buffer.take() else {
            return;
        };
        // While the thread exits, its pool may be gone already, and the buffer is
        // freed instead.
        let _ = POOL.try_with(|pool| {
            if let Ok(mut pool) = pool.try_borrow_mut() {
                pool.push(buffer);
            }
        });
    }
}

impl<T: Copy + 'static> Deref for Scratch<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        self.buffer.as_deref().map_or(&[], Vec::as_slice)
    }
}

impl<T: Copy + 'static> DerefMut for Scratch<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        self.buffer
            .as_deref_mut()
            .map_or(&mut [], Vec::as_mut_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::Scratch;

    #[test]
    fn take_rejects_an_impossible_length() {
        assert!(Scratch::take(usize::MAX / 4, 0.0f64).is_none());
        assert!(Scratch::take(usize::MAX / 16, 0.0f32).is_none());
    }

    #[test]
    fn take_fills_every_element() {
        let buffer = Scratch::take(3, 1.5f64).unwrap();
        assert_eq!(&*buffer, &[1.5, 1.5, 1.5]);
    }

    #[test]
    fn returned_buffer_is_reused() {
        let address = {
            let buffer = Scratch::take(8, 0.0f32).unwrap();
            buffer.as_ptr()
        };
        let again = Scratch::take(4, 2.0f32).unwrap();
        assert_eq!(again.as_ptr(), address);
        assert_eq!(&*again, &[2.0; 4]);
    }

    #[test]
    fn take_for_overwrite_has_the_requested_length() {
        drop(Scratch::take(4, 7.0f32).unwrap());
        let shorter = Scratch::take_for_overwrite(2, 0.0f32).unwrap();
        assert_eq!(shorter.len(), 2);
        drop(shorter);
        let longer = Scratch::take_for_overwrite(6, 0.0f32).unwrap();
        assert_eq!(longer.len(), 6);
        // Past the old length of 2, the new elements are the fill.
        assert_eq!(&longer[2..], &[0.0; 4]);
        assert!(Scratch::take_for_overwrite(usize::MAX / 4, 0.0f64).is_none());
    }

    #[test]
    fn buffers_held_together_are_distinct() {
        let mut first = Scratch::take(2, 0.0f64).unwrap();
        let second = Scratch::take(2, 0.0f64).unwrap();
        first[0] = 1.0;
        assert_eq!(second[0], 0.0);
    }

    #[test]
    fn element_types_do_not_mix() {
        drop(Scratch::take(2, 1.0f32).unwrap());
        let double = Scratch::take(2, 3.0f64).unwrap();
        assert_eq!(&*double, &[3.0, 3.0]);
    }
}
