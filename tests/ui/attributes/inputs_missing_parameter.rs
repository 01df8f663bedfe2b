use losses_core::prelude::*;

#[loss(inputs(anchor, positive))]
fn distance<T: Float>(anchor: &[T], other: &[T]) -> T {
    let mut squared = 0.0;
    for i in 0..anchor.len() {
        squared += (anchor[i] - other[i]).powi(2);
    }
    squared
}

fn main() {
    let loss = Distance::new();
    let _ = loss.value(&ndarray::array![[1.0f64, 0.0]], &ndarray::array![[0.5f64, 0.5]]);
}
