use losses_core::prelude::*;

// The rejected `y_pred` is still used in the body, which must not add an error that
// reports no parameter of that name.
#[loss]
fn mixed(y_true: f32, y_pred: f64) -> f64 {
    let error = y_pred - 1.0;
    error * error
}

fn main() {}
