use losses_core::prelude::*;

// `s = s * e` does not add to the sum, so the chunks' values would not merge.
#[loss(batch)]
fn batch_likelihood<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut likelihood = 1.0;
    for i in 0..y_pred.len() {
        likelihood = likelihood * (y_true[i] * y_pred[i]);
    }
    -likelihood.ln()
}

fn main() {
    let _ = BatchLikelihood::new().value(&ndarray::array![[1.0f64, 0.0]], &ndarray::array![[0.5f64, 0.5]]);
}
