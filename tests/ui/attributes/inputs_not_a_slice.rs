use losses_core::prelude::*;

#[loss(inputs(a, b))]
fn gap<T: Float>(a: &[T], b: T) -> T {
    let mut total = 0.0;
    for i in 0..a.len() {
        total += a[i] - b;
    }
    total
}

fn main() {
    let loss = Gap::new();
    let _ = loss.value(&ndarray::array![[1.0f64, 0.0]], &ndarray::array![0.5f64]);
}
