use losses_core::prelude::*;

// The whole-batch evaluation finishes the loss from merged sums, with no row whose
// length it could divide by.
#[loss(batch)]
fn mean_overlap<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let n = y_pred.len();
    let mut overlap = 0.0;
    for i in 0..n {
        overlap += y_true[i] * y_pred[i];
    }
    overlap / T::from(n).unwrap()
}

fn main() {
    let _ = MeanOverlap::new().value(&ndarray::array![[1.0f64, 0.0]], &ndarray::array![[0.5f64, 0.5]]);
}
