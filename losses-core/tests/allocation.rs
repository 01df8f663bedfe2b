//! The drivers allocate no memory on the hot path: evaluating a loss and writing its
//! gradient into a caller's buffer, for inputs in standard layout, makes no call to the
//! allocator, with or without sample weights and whatever the number of features.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use losses_core::prelude::*;
use ndarray::{Array1, Array2};

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

/// Returns the number of allocations that `run` makes.
fn allocations(run: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    run();
    ALLOCATIONS.load(Ordering::SeqCst) - before
}

/// Evaluates value and gradient of `rows × columns` inputs twice, unweighted and
/// weighted, and returns the allocations made.
fn evaluate(rows: usize, columns: usize) -> usize {
    let y_true = Array2::from_shape_fn((rows, columns), |(i, j)| ((i + j) % 2) as f32);
    let y_pred = Array2::from_shape_fn((rows, columns), |(i, j)| {
        ((i * 7 + j) % 10) as f32 / 10.5 + 0.02
    });
    let weights = Array1::from_shape_fn(rows, |i| (i % 3) as f32);
    let mut grad = Array2::zeros((rows, columns));
    let loss = BinaryCrossentropy::new(true, 0.1);

    allocations(|| {
        for _ in 0..2 {
            loss.value_and_grad_into(&y_true, &y_pred, &mut grad)
                .unwrap();
            loss.value_and_grad_weighted_into(&y_true, &y_pred, &weights, &mut grad)
                .unwrap();
            loss.value(&y_true, &y_pred).unwrap();
            loss.value_weighted(&y_true, &y_pred, &weights).unwrap();
        }
    })
}

/// One test, because the counter counts every thread of the process and tests run in
/// parallel.
///
/// On several threads, chunks are handed out by `rayon::join` from inside the pool. A
/// worker thread allocates its own bookkeeping the first time it takes work, so one
/// round runs before counting. A call from outside any pool first hands the whole pass
/// to the pool, and rayon may allocate for that, so the calls run inside the pool here.
#[test]
fn no_allocation_on_hot_path() {
    let single = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    for (rows, columns) in [(10_000, 1), (140_001, 1), (1_000, 7), (20, 3_000)] {
        let count = single.install(|| evaluate(rows, columns));
        assert_eq!(count, 0, "one thread, {rows} × {columns}");
    }

    let several = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .unwrap();
    for (rows, columns) in [(140_001, 1), (20_000, 7)] {
        several.install(|| evaluate(rows, columns));
        let count = several.install(|| evaluate(rows, columns));
        assert_eq!(count, 0, "three threads, {rows} × {columns}");
    }
}
