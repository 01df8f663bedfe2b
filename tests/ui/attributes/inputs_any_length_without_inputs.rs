use losses_core::prelude::*;

#[loss(inputs_any_length)]
fn first_gap<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    (y_pred[0] - y_true[0]).abs()
}

fn main() {}
