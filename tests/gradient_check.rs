//! Checks the compile-time gradient of every shipped loss, in every option combination,
//! against central finite differences of its value, in f64 at seeded random points
//! away from kinks. Then pins the conventions where finite differences cannot: at
//! kinks, at clip bounds and at extreme logits.
//!
//! Each random check draws `BATCHES` batches of `ROWS × COLUMNS` elements. Even batches
//! use `Reduction::SumOverBatchSize` without weights, odd ones `Reduction::Mean` with
//! random sample weights.

use losses_core::losses::helpers::{log_sigmoid, sigmoid, softplus};
use losses_core::prelude::*;
use ndarray::{Array1, Array2, array};

/// Relative finite-difference step: `h = STEP × max(|y_pred|, 1)`.
const STEP: f64 = 1e-6;
/// With that step, a central difference is off by about `1e-16 × |value| / h` from
/// rounding and `h² × |third derivative| / 6` from truncation: near 1e-10 for values of
/// order 1, well inside these tolerances.
const RELATIVE_TOLERANCE: f64 = 1e-6;
const ABSOLUTE_TOLERANCE: f64 = 1e-9;
/// The smallest distance from a kink of a randomly drawn point, far larger than `h`.
const KINK_GAP: f64 = 1e-3;

const BATCHES: usize = 10;
const ROWS: usize = 4;
const COLUMNS: usize = 3;

/// A xorshift64 generator with shifts 13, 7 and 17.
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> Self {
        // The state must not be 0, which the generator maps to itself.
        Self(seed | 1)
    }

    fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// Draws uniformly from `[low, high)`, using the top 53 bits.
    fn uniform(&mut self, low: f64, high: f64) -> f64 {
        let unit = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        low + (high - low) * unit
    }

    fn choose(&mut self, values: &[f64]) -> f64 {
        let index = (self.next_u64() % values.len() as u64) as usize;
        values[index]
    }
}

// ----- point domains -----------------------------------------------------------

/// Draws a target and a prediction in `[-3, 3]` whose absolute error is at least
/// `KINK_GAP` from each of `kinks`.
fn regression_pair(rng: &mut XorShift, kinks: &[f64]) -> (f64, f64) {
    loop {
        let (y_true, y_pred) = (rng.uniform(-3.0, 3.0), rng.uniform(-3.0, 3.0));
        let error = (y_pred - y_true).abs();
        if kinks.iter().all(|kink| (error - kink).abs() > KINK_GAP) {
            return (y_true, y_pred);
        }
    }
}

/// Draws a hard label, 0 or 1, half of the time, and a soft label in `[0, 1)` otherwise.
fn label(rng: &mut XorShift) -> f64 {
    if rng.next_u64() % 2 == 0 {
        rng.choose(&[0.0, 1.0])
    } else {
        rng.uniform(0.0, 1.0)
    }
}

/// Draws a label and a probability well inside the clip range, or a logit in `[-8, 8]`.
fn classification_pair(rng: &mut XorShift, from_logits: bool) -> (f64, f64) {
    let y_true = label(rng);
    let y_pred = if from_logits {
        rng.uniform(-8.0, 8.0)
    } else {
        rng.uniform(0.01, 0.99)
    };
    (y_true, y_pred)
}

/// Draws a label in {-1, 0, 1} and a score whose margin is at least `KINK_GAP` from 1.
fn hinge_pair(rng: &mut XorShift) -> (f64, f64) {
    loop {
        let y_true = rng.choose(&[-1.0, 0.0, 1.0]);
        let y_pred = rng.uniform(-3.0, 3.0);
        let sign = if y_true == 0.0 { -1.0 } else { y_true };
        if (sign * y_pred - 1.0).abs() > KINK_GAP {
            return (y_true, y_pred);
        }
    }
}

// ----- the finite-difference check ----------------------------------------------

/// Checks `make(reduction)` on `BATCHES` batches of pairs from `draw`, and prints the
/// largest error as a share of the tolerance.
fn check_loss<L: Loss<f64>>(
    label: &str,
    seed: u64,
    make: impl Fn(Reduction) -> L,
    draw: impl Fn(&mut XorShift) -> (f64, f64),
) {
    let mut rng = XorShift::new(seed);
    let mut worst: f64 = 0.0;
    for batch in 0..BATCHES {
        let mut y_true = Array2::zeros((ROWS, COLUMNS));
        let mut y_pred = Array2::zeros((ROWS, COLUMNS));
        for (truth, prediction) in y_true.iter_mut().zip(y_pred.iter_mut()) {
            (*truth, *prediction) = draw(&mut rng);
        }
        let share = if batch % 2 == 0 {
            let loss = make(Reduction::SumOverBatchSize);
            check_batch(label, &loss, &y_true, &y_pred, None)
        } else {
            let weights = Array1::from_shape_fn(ROWS, |_| rng.uniform(0.1, 2.0));
            let loss = make(Reduction::Mean);
            check_batch(label, &loss, &y_true, &y_pred, Some(&weights))
        };
        worst = worst.max(share);
    }
    eprintln!("{label}: largest gradient error {worst:.3} of the tolerance");
}

/// Compares each gradient entry with a central difference and returns the largest
/// error as a share of the tolerance.
fn check_batch<L: Loss<f64>>(
    label: &str,
    loss: &L,
    y_true: &Array2<f64>,
    y_pred: &Array2<f64>,
    weights: Option<&Array1<f64>>,
) -> f64 {
    let value_at = |y_pred: &Array2<f64>| {
        let value = match weights {
            Some(weights) => loss.value_weighted(y_true, y_pred, weights),
            None => loss.value(y_true, y_pred),
        };
        value.unwrap_or_else(|error| panic!("{label}: {error}"))
    };
    let evaluated = match weights {
        Some(weights) => loss.value_and_grad_weighted(y_true, y_pred, weights),
        None => loss.value_and_grad(y_true, y_pred),
    };
    let (value, grad) = evaluated.unwrap_or_else(|error| panic!("{label}: {error}"));
    assert_eq!(
        value,
        value_at(y_pred),
        "{label}: value_and_grad and value disagree"
    );

    let mut worst: f64 = 0.0;
    for (index, &analytic) in grad.indexed_iter() {
        let x = y_pred[index];
        let step = STEP * x.abs().max(1.0);
        let mut shifted = y_pred.clone();
        shifted[index] = x + step;
        let (upper_x, upper) = (shifted[index], value_at(&shifted));
        shifted[index] = x - step;
        let (lower_x, lower) = (shifted[index], value_at(&shifted));
        let numeric = (upper - lower) / (upper_x - lower_x);

        let allowed = (RELATIVE_TOLERANCE * numeric.abs()).max(ABSOLUTE_TOLERANCE);
        let error = (analytic - numeric).abs();
        assert!(
            error <= allowed,
            "{label}: gradient entry {index:?} at y_true = {}, y_pred = {x}: \
             compile-time {analytic:e}, finite difference {numeric:e}",
            y_true[index]
        );
        worst = worst.max(error / allowed);
    }
    worst
}

// ----- random checks, one test per loss -----------------------------------------

#[test]
fn mean_squared_error_gradient() {
    let draw = |rng: &mut XorShift| regression_pair(rng, &[]);
    check_loss(
        "MeanSquaredError",
        1,
        |r| MeanSquaredError::new().with_reduction(r),
        draw,
    );
}

#[test]
fn mean_absolute_error_gradient() {
    let draw = |rng: &mut XorShift| regression_pair(rng, &[0.0]);
    check_loss(
        "MeanAbsoluteError",
        2,
        |r| MeanAbsoluteError::new().with_reduction(r),
        draw,
    );
}

#[test]
fn mean_absolute_percentage_error_gradient() {
    // Targets at least 0.5 away from 0, where the 1e-7 floor of the denominator acts.
    let draw = |rng: &mut XorShift| loop {
        let y_true = rng.choose(&[-1.0, 1.0]) * rng.uniform(0.5, 3.0);
        let y_pred = rng.uniform(-3.0, 3.0);
        if (y_pred - y_true).abs() > KINK_GAP {
            return (y_true, y_pred);
        }
    };
    let make = |r| MeanAbsolutePercentageError::new().with_reduction(r);
    check_loss("MeanAbsolutePercentageError", 3, make, draw);
}

#[test]
fn mean_squared_logarithmic_error_gradient() {
    // Targets may fall below the 1e-7 floor, but predictions stay above it.
    let draw = |rng: &mut XorShift| (rng.uniform(-1.0, 5.0), rng.uniform(0.01, 5.0));
    let make = |r| MeanSquaredLogarithmicError::new().with_reduction(r);
    check_loss("MeanSquaredLogarithmicError", 4, make, draw);
}

#[test]
fn huber_gradient() {
    for (seed, delta) in [(5, 0.5), (6, 1.0), (7, 2.5)] {
        let draw = |rng: &mut XorShift| regression_pair(rng, &[delta]);
        let make = |r| Huber::new(delta).with_reduction(r);
        check_loss(&format!("Huber(delta = {delta})"), seed, make, draw);
    }
}

#[test]
fn log_cosh_gradient() {
    let draw = |rng: &mut XorShift| (rng.uniform(-3.0, 3.0), rng.uniform(-10.0, 10.0));
    check_loss("LogCosh", 8, |r| LogCosh::new().with_reduction(r), draw);
}

#[test]
fn binary_crossentropy_gradient() {
    let mut seed = 10;
    for from_logits in [false, true] {
        for label_smoothing in [0.0, 0.1] {
            seed += 1;
            let label = format!(
                "BinaryCrossentropy(from_logits = {from_logits}, label_smoothing = {label_smoothing})"
            );
            let make = |r| BinaryCrossentropy::new(from_logits, label_smoothing).with_reduction(r);
            check_loss(&label, seed, make, |rng| {
                classification_pair(rng, from_logits)
            });
        }
    }
}

#[test]
fn binary_focal_crossentropy_gradient() {
    let mut seed = 20;
    for apply_class_balancing in [false, true] {
        for from_logits in [false, true] {
            for label_smoothing in [0.0, 0.1] {
                for gamma in [2.0, 0.5] {
                    seed += 1;
                    let label = format!(
                        "BinaryFocalCrossentropy(apply_class_balancing = {apply_class_balancing}, \
                         gamma = {gamma}, from_logits = {from_logits}, \
                         label_smoothing = {label_smoothing})"
                    );
                    let make = |r| {
                        let loss = BinaryFocalCrossentropy::new(
                            apply_class_balancing,
                            0.25,
                            gamma,
                            from_logits,
                            label_smoothing,
                        );
                        loss.with_reduction(r)
                    };
                    check_loss(&label, seed, make, |rng| {
                        classification_pair(rng, from_logits)
                    });
                }
            }
        }
    }
}

#[test]
fn weighted_binary_crossentropy_gradient() {
    let mut seed = 40;
    for from_logits in [false, true] {
        for (positive_weight, negative_weight) in [(1.0, 1.0), (2.0, 0.5), (0.0, 3.0)] {
            seed += 1;
            let label = format!(
                "WeightedBinaryCrossentropy(positive_weight = {positive_weight}, \
                 negative_weight = {negative_weight}, from_logits = {from_logits})"
            );
            let make = |r| {
                let loss =
                    WeightedBinaryCrossentropy::new(positive_weight, negative_weight, from_logits);
                loss.with_reduction(r)
            };
            check_loss(&label, seed, make, |rng| {
                classification_pair(rng, from_logits)
            });
        }
    }
}

#[test]
fn poisson_gradient() {
    let draw = |rng: &mut XorShift| {
        let count = rng.choose(&[0.0, 1.0, 2.0, 3.0, 5.0]);
        (count, rng.uniform(0.05, 5.0))
    };
    check_loss("Poisson", 50, |r| Poisson::new().with_reduction(r), draw);
}

#[test]
fn hinge_gradient() {
    check_loss("Hinge", 51, |r| Hinge::new().with_reduction(r), hinge_pair);
}

#[test]
fn squared_hinge_gradient() {
    check_loss(
        "SquaredHinge",
        52,
        |r| SquaredHinge::new().with_reduction(r),
        hinge_pair,
    );
}

/// Combines the three public helpers so that their gradients get checked, including
/// that of `log_sigmoid`, which no shipped loss calls.
#[loss]
fn logistic_helpers<T: Float>(y_true: T, y_pred: T) -> T {
    y_true * sigmoid(y_pred) + (1.0 - y_true) * log_sigmoid(y_pred) + softplus(-y_pred)
}

#[test]
fn helpers_gradient() {
    let draw = |rng: &mut XorShift| (label(rng), rng.uniform(-30.0, 30.0));
    check_loss(
        "logistic_helpers",
        53,
        |r| LogisticHelpers::new().with_reduction(r),
        draw,
    );
}

// ----- conventions at kinks, clip bounds and extreme inputs ---------------------

/// Asserts that `actual` and `expected` differ by at most `relative × |expected|` or
/// `absolute`, whichever is larger.
fn assert_close(label: &str, actual: f64, expected: f64, relative: f64, absolute: f64) {
    let allowed = (relative * expected.abs()).max(absolute);
    assert!(
        (actual - expected).abs() <= allowed,
        "{label}: got {actual:e}, expected {expected:e}"
    );
}

/// Asserts that every entry of `grad` is finite and close to `expected`.
fn assert_grad_close(
    label: &str,
    grad: &Array1<f64>,
    expected: &[f64],
    relative: f64,
    absolute: f64,
) {
    assert_eq!(grad.len(), expected.len(), "{label}: gradient length");
    for (index, (&actual, &expected)) in grad.iter().zip(expected).enumerate() {
        let entry = format!("{label}: gradient entry {index}");
        assert!(actual.is_finite(), "{entry} is {actual}");
        assert_close(&entry, actual, expected, relative, absolute);
    }
}

#[test]
fn mean_absolute_error_at_zero_error() {
    let (value, grad) = MeanAbsoluteError::new()
        .value_and_grad(&array![1.5, -2.0], &array![1.5, -2.0])
        .unwrap();
    assert_eq!(value, 0.0);
    assert_eq!(grad, array![0.0, 0.0]);
}

#[test]
fn percentage_error_at_zero_error() {
    let (value, grad) = MeanAbsolutePercentageError::new()
        .value_and_grad(&array![1.5, 0.0], &array![1.5, 0.0])
        .unwrap();
    assert_eq!(value, 0.0);
    assert_eq!(grad, array![0.0, 0.0]);
}

// Huber at |e| = delta: the quadratic branch, value e²/2 and gradient e, divided by
// the 2 samples.
#[test]
fn huber_at_delta_uses_quadratic_branch() {
    let (value, grad) = Huber::new(1.0)
        .value_and_grad(&array![0.0, 0.0], &array![1.0, -1.0])
        .unwrap();
    assert_eq!(value, 0.5);
    assert_eq!(grad, array![0.5, -0.5]);

    let (value, grad) = Huber::new(0.5)
        .value_and_grad(&array![0.25, 0.25], &array![0.75, -0.25])
        .unwrap();
    assert_eq!(value, 0.125);
    assert_eq!(grad, array![0.25, -0.25]);
}

// Huber at the ends of delta's range and at infinite errors, in f32 and f64: with
// delta = inf it is e²/2 everywhere, with delta = 0 it is 0, and an infinite error
// costs inf with the slope ±delta.
#[test]
fn huber_extreme_deltas_and_errors() {
    let y_true = array![0.0, 0.0, 0.0];
    let (value, grad) = Huber::new(f64::INFINITY)
        .with_reduction(Reduction::Sum)
        .value_and_grad(&y_true, &array![3.0, -1e100, 0.5])
        .unwrap();
    assert_eq!(value, 4.5 + 0.5e200 + 0.125);
    assert_eq!(grad, array![3.0, -1e100, 0.5]);

    let (value, grad) = Huber::new(0.0)
        .with_reduction(Reduction::Sum)
        .value_and_grad(&y_true, &array![3.0, -2.0, 0.0])
        .unwrap();
    assert_eq!(value, 0.0);
    assert_eq!(grad, array![0.0, 0.0, 0.0]);

    let (value, grad) = Huber::new(2.0)
        .with_reduction(Reduction::Sum)
        .value_and_grad(&y_true, &array![f64::INFINITY, f64::NEG_INFINITY, 1.0])
        .unwrap();
    assert_eq!(value, f64::INFINITY);
    assert_eq!(grad, array![2.0, -2.0, 1.0]);

    let (value, grad) = Huber::new(2.0)
        .with_reduction(Reduction::Sum)
        .value_and_grad(&array![0.0f32, 0.0], &array![f32::INFINITY, -3.0])
        .unwrap();
    assert_eq!(value, f32::INFINITY);
    assert_eq!(grad, array![2.0f32, -2.0]);
}

// At a margin of exactly 1, max(1 - y ŷ, 0) ties and each side gets half: the entry
// is -y/2 divided by the 3 samples, with label 0 read as -1.
#[test]
fn hinge_at_margin_one_splits_gradient() {
    let y_true = array![1.0, -1.0, 0.0];
    let y_pred = array![1.0, -1.0, -1.0];
    let (value, grad) = Hinge::new().value_and_grad(&y_true, &y_pred).unwrap();
    assert_eq!(value, 0.0);
    assert_eq!(grad, array![-0.5 / 3.0, 0.5 / 3.0, 0.5 / 3.0]);
}

#[test]
fn squared_hinge_at_margin_one() {
    let y_true = array![1.0, -1.0, 0.0];
    let y_pred = array![1.0, -1.0, -1.0];
    let (value, grad) = SquaredHinge::new()
        .value_and_grad(&y_true, &y_pred)
        .unwrap();
    assert_eq!(value, 0.0);
    assert_eq!(grad, array![0.0, 0.0, 0.0]);
}

// Probabilities of exactly 0 and 1 are clipped to 1e-7 and 1 - 1e-7, where the loss is
// constant, so the gradient is 0.
#[test]
fn probabilities_zero_and_one_clipped() {
    let y_true = array![1.0, 0.0, 0.0, 1.0];
    let y_pred = array![0.0, 0.0, 1.0, 1.0];
    let (low, high): (f64, f64) = (1e-7, 1.0 - 1e-7);
    let expected = [-low.ln(), -(1.0 - low).ln(), -(1.0 - high).ln(), -high.ln()];
    let mean = expected.iter().sum::<f64>() / 4.0;

    let bce = BinaryCrossentropy::default();
    let (value, grad) = bce.value_and_grad(&y_true, &y_pred).unwrap();
    assert_close("BinaryCrossentropy value", value, mean, 1e-15, 0.0);
    assert_eq!(grad, array![0.0, 0.0, 0.0, 0.0]);

    let weighted = WeightedBinaryCrossentropy::new(2.0, 3.0, false);
    let (value, grad) = weighted.value_and_grad(&y_true, &y_pred).unwrap();
    let weighted_mean =
        (2.0 * expected[0] + 3.0 * expected[1] + 3.0 * expected[2] + 2.0 * expected[3]) / 4.0;
    assert_close(
        "WeightedBinaryCrossentropy value",
        value,
        weighted_mean,
        1e-15,
        0.0,
    );
    assert_eq!(grad, array![0.0, 0.0, 0.0, 0.0]);
}

// The clip bounds count as inside: d/dp -ln p = -1/p at p = 1e-7, and
// d/dp -ln(1 - p) = 1/(1 - p) at p = 1 - 1e-7, each divided by the 2 samples.
#[test]
fn clip_bounds_keep_gradient() {
    let (low, high): (f64, f64) = (1e-7, 1.0 - 1e-7);
    let (_, grad) = BinaryCrossentropy::default()
        .value_and_grad(&array![1.0, 0.0], &array![low, high])
        .unwrap();
    assert_grad_close(
        "BinaryCrossentropy",
        &grad,
        &[-0.5 / low, 0.5 / (1.0 - high)],
        1e-12,
        0.0,
    );
}

/// Computes `ln(1 + e^x)` in the overflow-free form, written independently of the crate.
fn reference_softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

/// Computes the logistic sigmoid, exact for logits of either sign.
fn reference_sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        x.exp() / (1.0 + x.exp())
    }
}

/// Logits of ±100 and ±1e4 with both labels, 8 samples of one feature.
fn extreme_logits() -> (Array1<f64>, Array1<f64>) {
    let logits = [-1e4, -100.0, 100.0, 1e4];
    let y_true = logits.iter().flat_map(|_| [0.0, 1.0]).collect();
    let y_pred = logits.iter().flat_map(|&x| [x, x]).collect();
    (y_true, y_pred)
}

// With logits, the value is y softplus(-x) + (1 - y) softplus(x) and the gradient is
// sigmoid(x) - y, written here as (1 - y) sigmoid(x) - y sigmoid(-x) so that entries
// such as -sigmoid(-100) ≈ -3.7e-44 keep their digits.
#[test]
fn extreme_logits_match_softplus_form() {
    let (y_true, y_pred) = extreme_logits();
    let count = y_true.len() as f64;
    for (positive_weight, negative_weight) in [(1.0, 1.0), (2.0, 3.0)] {
        let element_loss = |y: f64, x: f64| {
            positive_weight * y * reference_softplus(-x)
                + negative_weight * (1.0 - y) * reference_softplus(x)
        };
        let element_grad = |y: f64, x: f64| {
            negative_weight * (1.0 - y) * reference_sigmoid(x)
                - positive_weight * y * reference_sigmoid(-x)
        };
        let pairs = y_true.iter().zip(&y_pred);
        let value: f64 = pairs
            .clone()
            .map(|(&y, &x)| element_loss(y, x))
            .sum::<f64>()
            / count;
        let grad: Vec<f64> = pairs.map(|(&y, &x)| element_grad(y, x) / count).collect();

        let label =
            format!("WeightedBinaryCrossentropy({positive_weight}, {negative_weight}, true)");
        let weighted = WeightedBinaryCrossentropy::new(positive_weight, negative_weight, true);
        let (actual, actual_grad) = weighted.value_and_grad(&y_true, &y_pred).unwrap();
        assert_close(&label, actual, value, 1e-15, 0.0);
        assert_grad_close(&label, &actual_grad, &grad, 1e-15, 0.0);

        if positive_weight == 1.0 && negative_weight == 1.0 {
            let bce = BinaryCrossentropy::new(true, 0.0);
            let (actual, actual_grad) = bce.value_and_grad(&y_true, &y_pred).unwrap();
            assert_close("BinaryCrossentropy", actual, value, 1e-15, 0.0);
            assert_grad_close("BinaryCrossentropy", &actual_grad, &grad, 1e-15, 0.0);
        }
    }
}

/// Asserts that `loss` gives `expected` and a finite gradient on logits of ±1e4 in f32.
fn check_f32_logits<L: Loss<f32>>(label: &str, loss: L, expected: f32) {
    let y_true = array![0.0f32, 1.0, 0.0, 1.0];
    let y_pred = array![-1e4f32, -1e4, 1e4, 1e4];
    let (value, grad) = loss.value_and_grad(&y_true, &y_pred).unwrap();
    assert_eq!(value, expected, "{label}: value");
    assert!(
        grad.iter().all(|entry| entry.is_finite()),
        "{label}: gradient {grad}"
    );
}

// The wrong predictions, at -1e4 for label 1 and 1e4 for label 0, cost 1e4 each.
#[test]
fn logits_of_1e4_are_finite_in_f32() {
    check_f32_logits(
        "BinaryCrossentropy",
        BinaryCrossentropy::new(true, 0.0),
        5000.0,
    );
    let weighted = WeightedBinaryCrossentropy::new(1.0, 1.0, true);
    check_f32_logits("WeightedBinaryCrossentropy", weighted, 5000.0);
    let focal = BinaryFocalCrossentropy::new(true, 0.25, 2.0, true, 0.0);
    check_f32_logits("BinaryFocalCrossentropy", focal, 2500.0);
}

// Focal loss from logits, balanced with alpha = 0.25, on logits [-100, -100, 100, 100]
// and labels [0, 1, 0, 1]. The two right predictions cost about e^-100. The wrong ones
// cost alpha × 100 for label 1 and (1 - alpha) × 100 for label 0, with a focal factor
// of 1, so the mean is (25 + 75) / 4 = 25. Their gradients are -alpha / 4 and
// (1 - alpha) / 4, because the focal factor's own slope there is about e^-100.
#[test]
fn focal_logits_of_100_are_exact() {
    let y_true = array![0.0, 1.0, 0.0, 1.0];
    for scale in [100.0, 1e4] {
        let y_pred = array![-scale, -scale, scale, scale];
        for gamma in [0.5, 2.0] {
            let label = format!("BinaryFocalCrossentropy(gamma = {gamma}) at logits ±{scale}");
            let balanced = BinaryFocalCrossentropy::new(true, 0.25, gamma, true, 0.0);
            let (value, grad) = balanced.value_and_grad(&y_true, &y_pred).unwrap();
            assert_close(&label, value, 0.25 * scale, 1e-15, 0.0);
            assert_eq!(value, balanced.value(&y_true, &y_pred).unwrap());
            assert_grad_close(&label, &grad, &[0.0, -0.0625, 0.1875, 0.0], 1e-15, 1e-15);

            let label = format!("{label} without balancing");
            let plain = BinaryFocalCrossentropy::new(false, 0.25, gamma, true, 0.0);
            let (value, grad) = plain.value_and_grad(&y_true, &y_pred).unwrap();
            assert_close(&label, value, 0.5 * scale, 1e-15, 0.0);
            assert_grad_close(&label, &grad, &[0.0, -0.25, 0.25, 0.0], 1e-15, 1e-15);
        }
    }
}

// ln(cosh(e)) = e + softplus(-2e) - ln 2 with gradient tanh(e), here divided by the 2
// samples. tanh(100) is 1 in f64.
#[test]
fn log_cosh_at_large_errors() {
    let loss = LogCosh::new();
    let (value, grad) = loss
        .value_and_grad(&array![0.0, 0.0], &array![100.0, -100.0])
        .unwrap();
    assert_eq!(value, 99.30685281944005);
    assert_eq!(grad, array![100f64.tanh() / 2.0, -100f64.tanh() / 2.0]);

    let (value, grad) = loss
        .value_and_grad(&array![0.0, 0.0], &array![1e4, -1e4])
        .unwrap();
    assert_eq!(value, 1e4 - std::f64::consts::LN_2);
    assert_eq!(grad, array![0.5, -0.5]);
}

// At a probability of exactly 1 for label 1, or 0 for label 0, q = 1 - p_t is 0. The
// focal factor q^0.5 has an infinite slope there, which is taken as 0, and the clipped
// cross-entropy is flat, so value and gradient are 0.
#[test]
fn focal_at_certain_probability() {
    let loss = BinaryFocalCrossentropy::new(true, 0.25, 0.5, false, 0.0);
    let (value, grad) = loss
        .value_and_grad(&array![1.0, 0.0], &array![1.0, 0.0])
        .unwrap();
    assert_eq!(value, 0.0);
    assert_eq!(grad, array![0.0, 0.0]);
}
