// Accepts local arrays in row losses: `vec![0.0; n]` in a generic function, a
// fixed-size array in an `f32` one, `=` at the loop's variable, `+=` at any index,
// reads of the element just written and reads in later loops.
use losses_core::prelude::*;
use ndarray::array;

#[loss]
fn stored_softmax<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let n = y_pred.len();
    let mut max = y_pred[0];
    for i in 1..n {
        max = max.max(y_pred[i]);
    }
    let mut e = vec![0.0; n];
    let mut sum = 0.0;
    for i in 0..n {
        e[i] = (y_pred[i] - max).exp();
        sum += e[i];
    }
    let mut loss = 0.0;
    for i in 0..e.len() {
        loss -= y_true[i] * (e[i] / sum).ln();
    }
    loss
}

#[loss]
fn parity_sums(y_true: &[f32], y_pred: &[f32]) -> f32 {
    let mut sums = [0.0; 2];
    for i in 0..y_pred.len() {
        sums[i % 2] += y_pred[i] * y_true[i];
    }
    sums[0] * sums[1]
}

fn main() {
    let (value, grad) = StoredSoftmax::new()
        .value_and_grad(&array![[0.0, 1.0]], &array![[0.0, 0.0]])
        .unwrap();
    assert!((value - std::f64::consts::LN_2).abs() < 1e-15);
    assert_eq!(grad, array![[0.5, -0.5]]);

    // sums = (1 × 2 + 1 × 4, 1 × 3) = (6, 3): d/dy_pred[0] = 3, d/dy_pred[1] = 6.
    let (value, grad) = ParitySums::new()
        .value_and_grad(&array![[1.0f32, 1.0, 1.0]], &array![[2.0f32, 3.0, 4.0]])
        .unwrap();
    assert_eq!(value, 18.0);
    assert_eq!(grad, array![[3.0f32, 6.0, 3.0]]);
}
