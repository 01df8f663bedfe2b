use losses_core::prelude::*;

#[differentiable]
fn shifted<T: Float>(x: T) -> T {
    let mut y = x;
    y += 1.0;
    y
}

#[differentiable]
fn total<T: Float>(a: &[T]) -> T {
    let mut s = T::zero();
    for i in 0..a.len() {
        s += a[i];
    }
    s + missing
}

fn main() {}
