use losses_core::prelude::*;

#[loss]
fn head(y_true: &[f32], y_pred: &[f32]) -> f32 {
    let first = &y_pred[..2];
    first[0] - y_true[0]
}

fn main() {}
