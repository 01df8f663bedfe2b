use losses_core::prelude::*;

#[loss(inputs(a, b), inputs_any_length = true)]
fn sum_gap<T: Float>(a: &[T], b: &[T]) -> T {
    let mut gap = 0.0;
    for i in 0..a.len() {
        gap += a[i];
    }
    for j in 0..b.len() {
        gap -= b[j];
    }
    gap * gap
}

fn main() {}
