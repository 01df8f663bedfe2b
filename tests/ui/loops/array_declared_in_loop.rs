use losses_core::prelude::*;


#[loss]
fn declared_in_loop(y_true: &[f64], y_pred: &[f64]) -> f64 {
    let mut total = 0.0;
    for i in 0..y_pred.len() {
        let mut v = vec![0.0; 2];
        v[i] = y_pred[i] * y_true[i];
        total += v[i];
    }
    total
}

fn main() {
    let _ = DeclaredInLoop::new().value(&ndarray::array![[1.0f64, 0.0]], &ndarray::array![[0.5f64, 0.5]]);
}
