use losses_core::prelude::*;

#[loss]
fn iterator_sum(y_true: &[f32], y_pred: &[f32]) -> f32 {
    let total: f32 = y_pred.iter().sum();
    total - y_true[0]
}

#[loss]
fn iterator_fold(y_true: &[f32], y_pred: &[f32]) -> f32 {
    y_pred.iter().fold(0.0, |acc, p| acc + p) - y_true[0]
}

fn main() {}
