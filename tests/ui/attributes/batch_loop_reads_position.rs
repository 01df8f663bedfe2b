use losses_core::prelude::*;

// Over the whole batch, `i` counts from 0 in each chunk of elements, so a weight by
// position would restart at every chunk.
#[loss(batch)]
fn ranked_overlap<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut overlap = 0.0;
    for i in 0..y_pred.len() {
        overlap += y_true[i] * y_pred[i] / T::from(i + 1).unwrap();
    }
    -overlap
}

fn main() {
    let _ = RankedOverlap::new().value(&ndarray::array![[1.0f64, 0.0]], &ndarray::array![[0.5f64, 0.5]]);
}
