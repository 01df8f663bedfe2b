//! A max in lanes must give the same bits at every instruction set level, the sign and
//! payload of a NaN included, when a row contains NaNs of both signs. An operation on
//! two NaNs returns one of them, chosen by operand order, which the compiler may swap
//! at one level and not at another. These tests can only fail in an optimised build,
//! such as `cargo test --release`, where the levels compile differently.

use losses_core::prelude::*;
use losses_core::simd::{Level, with_level};
use ndarray::{Array2, array};

#[loss]
#[allow(clippy::needless_range_loop)]
fn row_max<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut largest = y_true[0] - 1e30;
    for i in 0..y_pred.len() {
        largest = largest.max(y_pred[i]);
    }
    largest
}

/// Checks that `run` returns the same bits at every supported level as at the scalar
/// level.
fn same_bits_at_levels<R: PartialEq + std::fmt::Debug>(run: impl Fn() -> R) {
    let scalar = with_level(Level::Scalar, &run).unwrap();
    for level in Level::ALL.into_iter().filter(|level| level.is_supported()) {
        assert_eq!(with_level(level, &run).unwrap(), scalar, "{level:?}");
    }
}

/// Returns a row of `len` scores with a NaN of alternating sign at each of `positions`.
fn row_with_nans(len: usize, positions: &[usize]) -> Array2<f32> {
    let mut row = Array2::from_shape_fn((1, len), |(_, i)| i as f32 * 0.25 - 3.0);
    for (k, &position) in positions.iter().enumerate() {
        row[[0, position]] = if k % 2 == 0 { -f32::NAN } else { f32::NAN };
    }
    row
}

#[test]
fn max_of_signed_nans() {
    let (y_true, y_pred) = (array![[0.0f32, 0.0]], array![[-f32::NAN, f32::NAN]]);
    same_bits_at_levels(|| RowMax::new().value(&y_true, &y_pred).unwrap().to_bits());
}

#[test]
fn max_of_signed_nans_across_lanes() {
    let cases: [(usize, &[usize]); 5] = [
        (17, &[0, 16]),
        (17, &[16, 0]),
        (40, &[3, 4, 35]),
        (40, &[20, 5, 37, 2]),
        (100, &[99, 1, 50, 17, 64]),
    ];
    for (len, positions) in cases {
        let y_pred = row_with_nans(len, positions);
        let y_true = Array2::<f32>::zeros((1, len));
        let y_true_wide = y_true.mapv(f64::from);
        let y_pred_wide = y_pred.mapv(f64::from);
        same_bits_at_levels(|| RowMax::new().value(&y_true, &y_pred).unwrap().to_bits());
        same_bits_at_levels(|| {
            let value: f64 = RowMax::new().value(&y_true_wide, &y_pred_wide).unwrap();
            value.to_bits()
        });
    }
}

#[test]
fn cross_entropy_gradient_signed_nans() {
    let y_true = array![[1.0f32, 0.0, 0.0]];
    let y_pred = array![[-f32::NAN, f32::NAN, 0.5]];
    let loss = CategoricalCrossentropy::new(true, 0.0);
    same_bits_at_levels(|| {
        let (_, grad) = loss.value_and_grad(&y_true, &y_pred).unwrap();
        grad.iter().map(|g| g.to_bits()).collect::<Vec<u32>>()
    });
}
