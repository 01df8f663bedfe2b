use losses_core::prelude::*;

#[loss(inputs())]
fn distance<T: Float>(a: &[T], b: &[T]) -> T {
    let mut squared = 0.0;
    for i in 0..a.len() {
        squared += (a[i] - b[i]).powi(2);
    }
    squared
}

fn main() {}
