use losses_core::prelude::*;

// A sum's starting value is added once to the sums merged over the whole batch, which
// has no single row to read `y_pred[0]` from.
#[loss(batch)]
fn anchored_overlap<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut overlap = y_pred[0];
    for i in 0..y_pred.len() {
        overlap += y_true[i] * y_pred[i];
    }
    -overlap
}

fn main() {
    let _ = AnchoredOverlap::new().value(&ndarray::array![[1.0f64, 0.0]], &ndarray::array![[0.5f64, 0.5]]);
}
