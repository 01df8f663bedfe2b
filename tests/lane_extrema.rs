//! Max and min reductions in loops that run in lanes: rows longer than the 16 lanes,
//! so that elements fall in full blocks and in the tail after them. The value must
//! match the plain loop, NaN included, and the gradient must share the adjoint among
//! ties in any lane.

use losses_core::prelude::*;
use losses_core::simd::{Level, with_level};
use ndarray::{Array2, ArrayD};

/// Combines the row's largest weighted score, its smallest score and the sum of its
/// scores, from one loop, with the largest target, from a loop that is not
/// differentiated.
#[loss]
#[allow(clippy::needless_range_loop)]
fn row_extrema<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    let mut largest = y_pred[0] * y_true[0];
    let mut smallest = y_pred[0];
    let mut total = 0.0;
    for i in 1..y_pred.len() {
        largest = largest.max(y_pred[i] * y_true[i]);
        smallest = y_pred[i].min(smallest);
        total += y_pred[i];
    }
    let mut scale = 0.0;
    for i in 0..y_true.len() {
        scale = scale.max(y_true[i]);
    }
    scale * largest - 2.0 * smallest + 0.125 * total
}

/// Computes the same loss one element at a time, with the NaN rule of `Real::max`.
fn reference(y_true: &[f64], y_pred: &[f64]) -> f64 {
    let max = |a: f64, b: f64| {
        if a.is_nan() || b.is_nan() {
            f64::NAN
        } else {
            a.max(b)
        }
    };
    let min = |a: f64, b: f64| {
        if a.is_nan() || b.is_nan() {
            f64::NAN
        } else {
            a.min(b)
        }
    };
    let mut largest = y_pred[0] * y_true[0];
    let mut smallest = y_pred[0];
    for i in 1..y_pred.len() {
        largest = max(largest, y_pred[i] * y_true[i]);
        smallest = min(smallest, y_pred[i]);
    }
    let total: f64 = y_pred[1..].iter().sum();
    let scale = y_true.iter().fold(0.0, |acc, &t| max(acc, t));
    scale * largest - 2.0 * smallest + 0.125 * total
}

/// 40 scores: two full blocks of 16 and a tail of 8.
const LEN: usize = 40;

fn targets() -> Vec<f64> {
    (0..LEN).map(|i| 0.5 + (i % 3) as f64 * 0.25).collect()
}

/// Distinct scores in [-1, 1], in no particular order.
fn scores() -> Vec<f64> {
    (0..LEN)
        .map(|i| ((i * 17 + 5) % LEN) as f64 / LEN as f64 * 2.0 - 1.0)
        .collect()
}

fn row(values: &[f64]) -> ArrayD<f64> {
    Array2::from_shape_vec((1, values.len()), values.to_vec())
        .unwrap()
        .into_dyn()
}

fn value_and_grad(y_true: &[f64], y_pred: &[f64]) -> (f64, Vec<f64>) {
    let (value, grad) = RowExtrema::new()
        .with_reduction(Reduction::Sum)
        .value_and_grad(&row(y_true), &row(y_pred))
        .unwrap();
    (value, grad.iter().copied().collect())
}

#[test]
fn value_matches_plain_loop() {
    let (y_true, y_pred) = (targets(), scores());
    let (value, _) = value_and_grad(&y_true, &y_pred);
    assert_eq!(value, reference(&y_true, &y_pred));
}

#[test]
fn gradient_matches_finite_differences() {
    let (y_true, y_pred) = (targets(), scores());
    let (_, grad) = value_and_grad(&y_true, &y_pred);
    let h = 1e-6;
    for i in 0..LEN {
        let (mut up, mut down) = (y_pred.clone(), y_pred.clone());
        up[i] += h;
        down[i] -= h;
        let numeric = (reference(&y_true, &up) - reference(&y_true, &down)) / (2.0 * h);
        assert!(
            (grad[i] - numeric).abs() < 1e-8,
            "element {i}: gradient {}, finite difference {numeric}",
            grad[i]
        );
    }
}

#[test]
fn ties_in_several_lanes_share_the_adjoint() {
    let y_true = vec![1.0; LEN];
    let mut y_pred = vec![0.0; LEN];
    // The loop starts at 1, so elements 3 and 19 share a lane in the two full blocks,
    // 20 is in the next lane and 37 in the tail. The min -1.0 is at element 0, the
    // value before the loop, and at 39 in the tail.
    for i in [3, 19, 20, 37] {
        y_pred[i] = 1.0;
    }
    y_pred[0] = -1.0;
    y_pred[39] = -1.0;
    let (value, grad) = value_and_grad(&y_true, &y_pred);
    assert_eq!(value, 1.0 + 2.0 + 0.125 * 3.0);
    for i in [3, 19, 20, 37] {
        assert_eq!(grad[i], 0.25 + 0.125, "element {i}");
    }
    // Element 0 is the min's value before the loop and is left out of the sum.
    assert_eq!(grad[0], -1.0);
    assert_eq!(grad[39], -1.0 + 0.125);
    assert_eq!(grad[1], 0.125);
}

#[test]
fn nan_anywhere_gives_nan() {
    let y_true = targets();
    // The value before the loop, a full block, the last lane of a block and the tail.
    for position in [0, 5, 31, 38] {
        let mut y_pred = scores();
        y_pred[position] = f64::NAN;
        let (value, _) = value_and_grad(&y_true, &y_pred);
        assert!(value.is_nan(), "NaN at {position} gave {value}");
    }
}

#[test]
fn nan_survives_later_lane_elements() {
    let y_true = targets();
    // Lane 5 meets the NaN first and then larger or smaller elements. The largest and
    // the smallest put the running value first and second in `max` and `min`.
    for (later, sign) in [(1e30, 1.0), (-1e30, -1.0)] {
        let mut y_pred = scores();
        y_pred[5] = f64::NAN;
        y_pred[21] = later;
        y_pred[37] = sign * f64::INFINITY;
        for level in Level::ALL.into_iter().filter(|level| level.is_supported()) {
            let (value, _) = with_level(level, || value_and_grad(&y_true, &y_pred)).unwrap();
            assert!(value.is_nan(), "{level:?}, later {later}: {value}");
        }
    }
}

#[test]
fn infinity_is_a_maximum_not_nan() {
    let y_true = targets();
    let mut y_pred = scores();
    y_pred[7] = f64::INFINITY;
    let (value, _) = value_and_grad(&y_true, &y_pred);
    assert_eq!(value, reference(&y_true, &y_pred));
    assert_eq!(value, f64::INFINITY);
}

#[test]
fn levels_give_identical_bits_for_signed_zeros() {
    // 0.0 and -0.0 tie for the max and the min, so the sign of the result depends on
    // the lane order. It must not depend on the instruction set level.
    let y_true = vec![1.0f32; LEN];
    let y_pred: Vec<f32> = (0..LEN)
        .map(|i| if i % 3 == 0 { -0.0 } else { 0.0 })
        .collect();
    let y_true = Array2::from_shape_vec((1, LEN), y_true).unwrap();
    let y_pred = Array2::from_shape_vec((1, LEN), y_pred).unwrap();
    let evaluate = || {
        let (value, grad) = RowExtrema::new().value_and_grad(&y_true, &y_pred).unwrap();
        let grad: Vec<u32> = grad.iter().map(|g| g.to_bits()).collect();
        (value.to_bits(), grad)
    };
    let reference = with_level(Level::Scalar, evaluate).unwrap();
    for level in Level::ALL.into_iter().filter(|level| level.is_supported()) {
        assert_eq!(with_level(level, evaluate).unwrap(), reference, "{level:?}");
    }
}
