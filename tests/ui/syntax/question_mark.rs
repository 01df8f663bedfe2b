use losses_core::prelude::*;

#[loss]
fn fallible(y_true: f64, y_pred: f64) -> f64 {
    let e = Some(y_pred - y_true)?;
    e * e
}

fn main() {
    let loss = Fallible::new();
    let _ = loss.value(&ndarray::array![1.0f64], &ndarray::array![0.5f64]);
}
