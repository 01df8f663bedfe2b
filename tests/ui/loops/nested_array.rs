use losses_core::prelude::*;

#[loss]
fn pairs(y_true: &[f32], y_pred: &[f32]) -> f32 {
    let n = y_pred.len();
    let mut m = vec![vec![0.0; n]; n];
    for i in 0..n {
        m[i][i] = y_pred[i] - y_true[i];
    }
    m[0][0]
}

fn main() {}
