use losses_core::prelude::*;

// Reading the element written in the previous iteration needs a later loop.
#[loss]
fn neighbour_read(y_true: &[f64], y_pred: &[f64]) -> f64 {
    let mut v = vec![0.0; y_pred.len()];
    let mut total = 0.0;
    for i in 1..y_pred.len() {
        v[i] = y_pred[i] * y_true[i];
        total += v[i - 1];
    }
    total
}

fn main() {
    let _ = NeighbourRead::new().value(&ndarray::array![[1.0f64, 0.0]], &ndarray::array![[0.5f64, 0.5]]);
}
