use losses_core::prelude::*;

#[loss]
fn outer_products(y_true: &[f64], y_pred: &[f64]) -> f64 {
    let n = y_pred.len();
    let mut v = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            v[i * n + j] += y_pred[i] * y_true[j];
        }
    }
    v[0]
}

fn main() {
    let _ = OuterProducts::new().value(&ndarray::array![[1.0f64, 0.0]], &ndarray::array![[0.5f64, 0.5]]);
}
