use losses_core::prelude::*;

#[differentiable]
fn dot<T: Float>(a: &[T], b: &[T]) -> T {
    let mut s = T::zero();
    for i in 0..a.len() {
        s += a[i] * b[i];
    }
    s
}

#[differentiable]
fn sum<T: Float>(a: &[T]) -> T {
    let mut s = T::zero();
    for i in 0..a.len() {
        s += a[i];
    }
    s
}

#[loss]
fn squared_dot<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let n = y_pred.len();
    let mut v = vec![0.0; n];
    for i in 0..n {
        v[i] = y_pred[i] * y_pred[i];
    }
    dot(v, y_true) + dot(&v, y_true)
}

#[loss]
fn fixed_sum<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut v = [0.0; 3];
    for i in 0..3 {
        v[i] = y_pred[i] - y_true[i];
    }
    sum(v)
}

fn main() {}
