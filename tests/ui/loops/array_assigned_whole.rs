use losses_core::prelude::*;


#[loss]
fn assigned_whole(y_true: &[f64], y_pred: &[f64]) -> f64 {
    let mut v = vec![0.0; y_pred.len()];
    for i in 0..y_pred.len() {
        v[i] = y_pred[i] * y_true[i];
    }
    v = vec![1.0; 2];
    v[0]
}

fn main() {
    let _ = AssignedWhole::new().value(&ndarray::array![[1.0f64, 0.0]], &ndarray::array![[0.5f64, 0.5]]);
}
