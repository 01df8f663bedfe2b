// Accepts a helper that takes rows, called with the same row twice, by path, from a
// row loss and from another helper, and defined after the loss.
use losses_core::prelude::*;
use ndarray::array;

#[loss]
fn squared_distance<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    algebra::dot(y_pred, y_pred) - 2.0 * algebra::dot(y_pred, y_true) + norm_squared(y_true)
}

#[differentiable]
fn norm_squared<T: Float>(a: &[T]) -> T {
    algebra::dot(a, a)
}

mod algebra {
    use losses_core::prelude::*;

    #[differentiable]
    pub fn dot<T: Float>(a: &[T], b: &[T]) -> T {
        let mut s = T::zero();
        for i in 0..a.len() {
            s += a[i] * b[i];
        }
        s
    }
}

fn main() {
    let loss = SquaredDistance::new();
    let (value, grad) = loss
        .value_and_grad(&array![[1.0, 2.0]], &array![[0.0, 4.0]])
        .unwrap();
    assert_eq!(value, 5.0);
    assert_eq!(grad.iter().copied().collect::<Vec<f64>>(), [-2.0, 4.0]);
}
