use losses_core::prelude::*;


#[loss]
fn written_in_if(y_true: &[f64], y_pred: &[f64]) -> f64 {
    let mut v = vec![0.0; y_pred.len()];
    for i in 0..y_pred.len() {
        if y_true[i] > 0.0 {
            v[i] = y_pred[i];
        }
    }
    v[0]
}

fn main() {
    let _ = WrittenInIf::new().value(&ndarray::array![[1.0f64, 0.0]], &ndarray::array![[0.5f64, 0.5]]);
}
