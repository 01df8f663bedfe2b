use losses_core::prelude::*;

#[loss]
fn escaping(y_true: f64, y_pred: f64) -> f64 {
    let a = { break };
    let b = { continue };
    y_pred - y_true
}

fn main() {
    let loss = Escaping::new();
    let _ = loss.value(&ndarray::array![1.0f64], &ndarray::array![0.5f64]);
}
