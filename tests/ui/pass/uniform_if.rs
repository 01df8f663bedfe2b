// Accepts `if` on hyper-parameters (a `bool` and a float comparison), nested in a per-sample arm and around one.
use losses_core::prelude::*;
use ndarray::array;

#[loss]
fn configurable<T: Float>(y_true: T, y_pred: T, log_scale: bool, delta: T) -> T {
    let e = y_pred - y_true;
    let base = if delta > 1.0 {
        e * e
    } else if delta == 0.0 {
        e.abs()
    } else {
        e * delta
    };
    let per_sample = if e > 0.0 {
        if log_scale { e.ln_1p() } else { e }
    } else {
        -e
    };
    let around = if log_scale {
        if y_pred > 0.0 { y_pred } else { 0.0 }
    } else {
        y_true
    };
    base + per_sample + around
}

fn main() {
    let loss = Configurable::new(false, 2.0);
    let value: f64 = loss.value(&array![0.0], &array![2.0]).unwrap();
    assert_eq!(value, 4.0 + 2.0 + 0.0);
}
