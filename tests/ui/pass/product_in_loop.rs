// Accepts products in loops, written `p *= e` and `p = p * e`, and a product of
// products through a nested loop.
use losses_core::prelude::*;
use ndarray::array;

#[loss]
fn likelihood<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut product = 1.0;
    for i in 0..y_pred.len() {
        product *= y_true[i] * y_pred[i] + (1.0 - y_true[i]) * (1.0 - y_pred[i]);
    }
    -product.ln()
}

#[loss]
fn product_of_products(y_true: &[f64], y_pred: &[f64], columns: usize) -> f64 {
    let mut outer = 1.0;
    for row in 0..y_pred.len() / columns {
        let mut inner = y_true[row * columns];
        for column in 0..columns {
            inner = inner * y_pred[row * columns + column];
        }
        outer *= inner;
    }
    outer
}

fn main() {
    let (value, grad) = Likelihood::new()
        .value_and_grad(&array![[1.0, 0.0]], &array![[0.5, 0.5]])
        .unwrap();
    assert!((value - 4.0f64.ln()).abs() < 1e-15);
    assert_eq!(grad, array![[-2.0, 2.0]]);

    // outer = (1 × 2 × 3) × (1 × 4 × 5), so d/dy_pred[0] = 3 × 20.
    let (value, grad) = ProductOfProducts::new(2)
        .value_and_grad(&array![[1.0, 0.0, 1.0, 0.0]], &array![[2.0, 3.0, 4.0, 5.0]])
        .unwrap();
    assert_eq!(value, 120.0);
    assert_eq!(grad, array![[60.0, 40.0, 30.0, 24.0]]);
}
