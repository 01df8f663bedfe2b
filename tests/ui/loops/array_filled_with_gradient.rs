use losses_core::prelude::*;


#[loss]
fn filled_with_gradient(y_true: &[f64], y_pred: &[f64]) -> f64 {
    let mut v = vec![y_pred[0]; y_pred.len()];
    for i in 1..y_pred.len() {
        v[i] = y_true[i];
    }
    v[0]
}

fn main() {
    let _ = FilledWithGradient::new().value(&ndarray::array![[1.0f64, 0.0]], &ndarray::array![[0.5f64, 0.5]]);
}
