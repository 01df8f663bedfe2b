//! A `#[loss]` row loss with local arrays takes its buffers from a pool of its thread:
//! once a first evaluation has sized them, its arrays make no call to the allocator,
//! however many rows the batch has.
//!
//! NOTE: the row drivers themselves allocate, about once per row in value and
//! gradient, so the test compares the loss with the same loss written without arrays
//! rather than with zero allocations.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use losses_core::prelude::*;
use ndarray::Array2;

/// The system allocator, counting every allocation and reallocation.
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments, so `Counting`
// upholds the `GlobalAlloc` contract exactly as `System` does; it only adds a counter.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded unchanged, see the impl.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged, see the impl.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded unchanged, see the impl.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Softmax cross-entropy that keeps the exponentials in a local array.
#[loss]
fn stored_softmax(y_true: &[f64], y_pred: &[f64]) -> f64 {
    let n = y_pred.len();
    let mut max = y_pred[0];
    for i in 1..n {
        max = max.max(y_pred[i]);
    }
    let mut e = vec![0.0; n];
    let mut sum = 0.0;
    for i in 0..n {
        e[i] = (y_pred[i] - max).exp();
        sum += e[i];
    }
    let mut loss = 0.0;
    for i in 0..n {
        loss -= y_true[i] * (e[i] / sum).ln();
    }
    loss
}

/// The same loss, computing the exponentials twice instead of keeping them.
#[loss]
fn recomputed_softmax(y_true: &[f64], y_pred: &[f64]) -> f64 {
    let n = y_pred.len();
    let mut max = y_pred[0];
    for i in 1..n {
        max = max.max(y_pred[i]);
    }
    let mut sum = 0.0;
    for i in 0..n {
        sum += (y_pred[i] - max).exp();
    }
    let mut loss = 0.0;
    for i in 0..n {
        loss -= y_true[i] * ((y_pred[i] - max).exp() / sum).ln();
    }
    loss
}

/// Returns the number of allocations that evaluating `loss`, value and gradient, on
/// `rows` rows of `columns` makes.
fn allocations<L: Loss<f64>>(loss: &L, rows: usize, columns: usize) -> usize {
    let y_true = Array2::from_shape_fn((rows, columns), |(i, j)| ((i + j) % 2) as f64);
    let y_pred = Array2::from_shape_fn((rows, columns), |(i, j)| ((i * 7 + j) % 10) as f64);
    let mut grad = Array2::zeros((rows, columns));
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    loss.value_and_grad_into(&y_true, &y_pred, &mut grad)
        .unwrap();
    loss.value(&y_true, &y_pred).unwrap();
    ALLOCATIONS.load(Ordering::SeqCst) - before
}

/// One test, because the counter counts every thread of the process. The calls run in
/// a pool of one thread, so that the thread that sized the buffers runs every row.
#[test]
fn arrays_allocate_once_per_thread() {
    let single = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let (stored, recomputed) = (StoredSoftmax::new(), RecomputedSoftmax::new());
    let first = single.install(|| allocations(&stored, 4, 16));
    let baseline = single.install(|| allocations(&recomputed, 4, 16));
    assert!(first > baseline, "the first rows size the buffers");

    for (rows, columns) in [(4, 16), (1_000, 16), (20_000, 16), (1_000, 3)] {
        let with_arrays = single.install(|| allocations(&stored, rows, columns));
        let without = single.install(|| allocations(&recomputed, rows, columns));
        assert_eq!(with_arrays, without, "{rows} rows of {columns}");
    }
}
