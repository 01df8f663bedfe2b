use losses_core::prelude::*;

#[loss(inputs(a, b), check)]
fn distance<T: Float>(a: &[T], b: &[T]) -> T {
    let mut squared = 0.0;
    for i in 0..a.len() {
        squared += (a[i] - b[i]).powi(2);
    }
    squared
}

fn main() {
    let loss = Distance::new();
    let _ = loss.value(&ndarray::array![[1.0f64, 0.0]], &ndarray::array![[0.5f64, 0.5]]);
}
