use losses_core::prelude::*;

#[loss]
fn grid_product(y_true: &[f64], y_pred: &[f64], columns: usize) -> f64 {
    let mut product = 1.0;
    for row in 0..y_pred.len() / columns {
        for column in 0..columns {
            product *= y_pred[row * columns + column] - y_true[row * columns + column];
        }
    }
    product
}

fn main() {
    let _ = GridProduct::new(1).value(&ndarray::array![[1.0f64, 0.0]], &ndarray::array![[0.5f64, 0.5]]);
}
