use losses_core::prelude::*;

#[loss]
fn prediction_index(y_true: &[f64], y_pred: &[f64]) -> f64 {
    let mut v = vec![0.0; 2];
    for i in 0..y_pred.len() {
        v[i] = y_pred[i] * y_true[i];
    }
    v[y_pred[0] as usize]
}

fn main() {
    let _ = PredictionIndex::new().value(&ndarray::array![[1.0f64, 0.0]], &ndarray::array![[0.5f64, 0.5]]);
}
