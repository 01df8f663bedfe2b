use losses_core::prelude::*;


#[loss]
fn two_writers(y_true: &[f64], y_pred: &[f64]) -> f64 {
    let n = y_pred.len();
    let mut v = vec![0.0; n];
    for i in 0..n {
        v[i] = y_pred[i];
    }
    for i in 0..n {
        v[i] = v[i] * y_true[i];
    }
    v[0]
}

fn main() {
    let _ = TwoWriters::new().value(&ndarray::array![[1.0f64, 0.0]], &ndarray::array![[0.5f64, 0.5]]);
}
