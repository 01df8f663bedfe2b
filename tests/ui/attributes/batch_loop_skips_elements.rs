use losses_core::prelude::*;

// Over the whole batch, the loop runs over each chunk of elements, so it would skip
// the first element of every chunk.
#[loss(batch)]
fn tail_overlap<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut overlap = 0.0;
    for i in 1..y_pred.len() {
        overlap += y_true[i] * y_pred[i];
    }
    -overlap
}

fn main() {
    let _ = TailOverlap::new().value(&ndarray::array![[1.0f64, 0.0]], &ndarray::array![[0.5f64, 0.5]]);
}
