//! Products in loops, `p *= e`: gradients against central finite differences in f64,
//! and the exact gradients where factors are 0, which the reverse pass gets from a
//! count of the zero factors instead of dividing by them.

use losses_core::prelude::*;
use ndarray::{Array2, array};
use support::assert_gradient;

mod support;

/// Returns the gradient of a one-row batch, whose mean is the row's loss.
fn row_gradient<L: Loss<f64>>(loss: &L, y_pred: &[f64]) -> Vec<f64> {
    let y_true = Array2::zeros((1, y_pred.len()));
    let y_pred = Array2::from_shape_vec((1, y_pred.len()), y_pred.to_vec()).expect("one row");
    let (_, grad) = loss.value_and_grad(&y_true, &y_pred).expect("valid input");
    grad.iter().copied().collect()
}

/// Negative log-likelihood of independent Bernoulli outcomes, as one product.
#[loss]
fn product_likelihood<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut likelihood = 1.0;
    for i in 0..y_pred.len() {
        likelihood *= y_true[i] * y_pred[i] + (1.0 - y_true[i]) * (1.0 - y_pred[i]);
    }
    -likelihood.ln()
}

/// The product of the differences of the row, started from the first one: the value
/// before the loop is differentiated too. The update is written without `*=` on
/// purpose.
#[loss]
#[allow(clippy::assign_op_pattern)]
fn row_product(y_true: &[f64], y_pred: &[f64]) -> f64 {
    let mut product = y_pred[0] - y_true[0];
    for i in 1..y_pred.len() {
        product = product * (y_pred[i] - y_true[i]);
    }
    product
}

/// Two factors an iteration, one written on each side of the running product, and a
/// factor shared by both updates.
#[loss]
#[allow(clippy::assign_op_pattern)]
fn chained_factors(y_true: &[f64], y_pred: &[f64]) -> f64 {
    let mut product = 2.0;
    for i in 0..y_pred.len() {
        let shifted = y_pred[i] + y_true[i];
        product *= shifted;
        product = (1.0 + y_pred[i] * y_pred[i]) * product;
    }
    let mut sum = 0.0;
    for i in 0..y_pred.len() {
        sum += y_pred[i];
    }
    product * sum
}

/// A product per row of a matrix, then a sum of the products: the inner product
/// starts from 1 in each outer iteration.
#[loss]
fn sum_of_products(y_true: &[f64], y_pred: &[f64], columns: usize) -> f64 {
    let mut total = 0.0;
    for row in 0..y_pred.len() / columns {
        let mut product = 1.0;
        for column in 0..columns {
            product *= y_pred[row * columns + column] - y_true[row * columns + column];
        }
        total += product;
    }
    total
}

#[test]
fn likelihood_gradient() {
    let y_true = array![[1.0, 0.0, 1.0, 1.0], [0.0, 0.0, 1.0, 0.0]].into_dyn();
    let y_pred = array![[0.9, 0.2, 0.6, 0.35], [0.1, 0.45, 0.7, 0.8]].into_dyn();
    assert_gradient(&ProductLikelihood::new(), &y_true, &y_pred);
}

#[test]
fn likelihood_value() {
    // -ln(0.9 × 0.8) over one row.
    let value = ProductLikelihood::new()
        .value(&array![[1.0, 0.0]], &array![[0.9, 0.2]])
        .unwrap();
    assert!((value + (0.9f64 * 0.8).ln()).abs() < 1e-15, "{value}");
}

#[test]
fn likelihood_gradient_f32() {
    // d/dp -ln(p q) = -1/p and d/dq -ln(p q) = -1/q, for a batch of one row.
    let (_, grad) = ProductLikelihood::new()
        .value_and_grad(&array![[1.0f32, 1.0]], &array![[0.5f32, 0.25]])
        .unwrap();
    assert!((grad[[0, 0]] + 2.0).abs() < 1e-6, "{grad}");
    assert!((grad[[0, 1]] + 4.0).abs() < 1e-6, "{grad}");
}

#[test]
fn row_product_gradient() {
    let y_true = array![[0.25, 0.5, -1.0, 0.0], [1.0, -0.5, 0.2, 1.5]].into_dyn();
    let y_pred = array![[0.5, -1.5, 2.0, 0.75], [1.25, 0.3, -0.8, 3.0]].into_dyn();
    assert_gradient(&RowProduct::new(), &y_true, &y_pred);
}

#[test]
fn chained_factors_gradient() {
    let y_true = array![[0.5, 1.0, -0.25], [2.0, 0.0, 1.0]].into_dyn();
    let y_pred = array![[0.3, -0.7, 1.1], [0.25, 1.5, -0.4]].into_dyn();
    assert_gradient(&ChainedFactors::new(), &y_true, &y_pred);
}

#[test]
fn sum_of_products_gradient() {
    let y_true = array![[0.5, 1.0, -0.25, 0.0, 0.1, 0.2]].into_dyn();
    let y_pred = array![[0.3, -0.7, 1.1, 0.9, 2.0, -1.3]].into_dyn();
    assert_gradient(&SumOfProducts::new(2), &y_true, &y_pred);
    assert_gradient(&SumOfProducts::new(3), &y_true, &y_pred);
}

#[test]
fn no_zero_factor_divides_the_product() {
    // d/dx_i (x0 x1 x2) is the product of the other two.
    let grad = row_gradient(&RowProduct::new(), &[2.0, 3.0, 4.0]);
    assert_eq!(grad, vec![12.0, 8.0, 6.0]);
}

#[test]
fn one_zero_factor_gets_the_only_gradient() {
    // At x = (0, 3, 4) only d/dx0 = 3 × 4 is not 0; dividing the product 0 by x0
    // would give NaN.
    let grad = row_gradient(&RowProduct::new(), &[0.0, 3.0, 4.0]);
    assert_eq!(grad, vec![12.0, 0.0, 0.0]);
    let grad = row_gradient(&RowProduct::new(), &[3.0, 4.0, 0.0]);
    assert_eq!(grad, vec![0.0, 0.0, 12.0]);
}

#[test]
fn two_zero_factors_give_no_gradient() {
    // Every partial derivative keeps a factor 0.
    let grad = row_gradient(&RowProduct::new(), &[0.0, 3.0, 0.0]);
    assert_eq!(grad, vec![0.0, 0.0, 0.0]);
}

#[test]
fn negative_zero_counts_as_zero() {
    let grad = row_gradient(&RowProduct::new(), &[2.0, -0.0, 5.0]);
    assert_eq!(grad, vec![0.0, 10.0, 0.0]);
}

#[test]
fn zero_in_nested_product_is_exact() {
    // total = (x0 - 0)(x1 - 0) + (x2 - 0)(x3 - 0) at x = (0, 5, 2, 0).
    let loss = SumOfProducts::new(2);
    let (_, grad) = loss
        .value_and_grad(&array![[0.0, 0.0, 0.0, 0.0]], &array![[0.0, 5.0, 2.0, 0.0]])
        .unwrap();
    assert_eq!(grad, array![[5.0, 0.0, 0.0, 2.0]]);
}
