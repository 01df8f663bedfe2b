use losses_core::prelude::*;


#[loss]
fn shifted_set(y_true: &[f64], y_pred: &[f64]) -> f64 {
    let n = y_pred.len();
    let mut v = vec![0.0; n];
    for i in 0..n {
        v[(i + 1) % n] = y_pred[i] * y_true[i];
    }
    v[0]
}

fn main() {
    let _ = ShiftedSet::new().value(&ndarray::array![[1.0f64, 0.0]], &ndarray::array![[0.5f64, 0.5]]);
}
