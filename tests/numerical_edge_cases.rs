//! Numerical edge cases of the shipped losses: distances of 0, logits far from 0,
//! fractional powers of 0, empty masks, zero sample weights, lists without relevance,
//! overflow in the forward formula, zero targets next to `ln 0` and masked logits.
//! Then the derivative conventions of `#[loss]` at kinks and singular points, one test
//! per convention, and the input policy: what propagates and what is an error.
//!
//! Every case runs in f64 and in f32. The f64 results must match the hand-derived
//! values written above each check to 1e-12 relative, or exactly where the value is 0.
//! The f32 results must be finite and match the same f64 values to 1e-5 relative, or
//! to two subnormal steps for values below f32's normal range.

use losses_core::losses::helpers::{relu, softplus};
use losses_core::prelude::*;
use losses_core::{Batch, Validated};
use ndarray::{Array, Array1, Array2, ArrayD, Dimension, array};

const F64_RELATIVE: f64 = 1e-12;
const F32_RELATIVE: f64 = 1e-5;

/// f32 cannot hold values below `f32::MIN_POSITIVE` ≈ 1.2e-38 to 1e-5 relative: its
/// subnormals lie 2^-149 ≈ 1.4e-45 apart. Expected values that small are compared in
/// f32 with an absolute tolerance of two such steps.
const F32_SUBNORMAL_TOLERANCE: f64 = 2.0 * 1.401298464324817e-45;

/// e^-100 = 3.720075976020836e-44, to f64 precision also `sigmoid(-100)`,
/// `1 - sigmoid(100)` and `softplus(-100)`.
const E_MINUS_100: f64 = 3.720075976020836e-44;

#[derive(Clone, Copy, Debug)]
enum Precision {
    F64,
    F32,
}

/// A loss value and its gradients, converted exactly to f64.
struct Evaluated {
    precision: Precision,
    value: f64,
    grads: Vec<Vec<f64>>,
}

impl Evaluated {
    fn new<T: LossFloat, D: Dimension>(value: T, grads: &[&Array<T, D>]) -> Self {
        let precision = if LossFloat::to_f64(T::epsilon()) > 1e-10 {
            Precision::F32
        } else {
            Precision::F64
        };
        Self {
            precision,
            value: LossFloat::to_f64(value),
            grads: grads
                .iter()
                .map(|grad| grad.iter().map(|&entry| LossFloat::to_f64(entry)).collect())
                .collect(),
        }
    }
}

/// Asserts that `actual`, computed in `precision`, matches `expected` within the
/// tolerance of that precision.
fn assert_near(precision: Precision, actual: f64, expected: f64, description: &str) {
    let allowed = match precision {
        Precision::F64 => F64_RELATIVE * expected.abs(),
        Precision::F32 if expected.abs() < f64::from(f32::MIN_POSITIVE) => F32_SUBNORMAL_TOLERANCE,
        Precision::F32 => F32_RELATIVE * expected.abs(),
    };
    assert!(
        actual.is_finite(),
        "{description} in {precision:?}: got {actual}, expected {expected:e}"
    );
    assert!(
        (actual - expected).abs() <= allowed,
        "{description} in {precision:?}: got {actual:e}, expected {expected:e}, allowed error {allowed:e}"
    );
}

/// Checks the value and every gradient entry of each result against the expected
/// f64 values.
fn assert_evaluated(description: &str, results: [Evaluated; 2], value: f64, grads: &[&[f64]]) {
    for result in results {
        let precision = result.precision;
        assert_near(
            precision,
            result.value,
            value,
            &format!("{description}: value"),
        );
        assert_eq!(
            result.grads.len(),
            grads.len(),
            "{description}: number of gradients"
        );
        for (input, (actual, expected)) in result.grads.iter().zip(grads).enumerate() {
            assert_eq!(
                actual.len(),
                expected.len(),
                "{description}: gradient {input} length"
            );
            for (position, (&actual, &expected)) in actual.iter().zip(*expected).enumerate() {
                let label = format!("{description}: gradient {input}[{position}]");
                assert_near(precision, actual, expected, &label);
            }
        }
    }
}

fn cast<T: LossFloat, D: Dimension>(values: &Array<f64, D>) -> Array<T, D> {
    values.mapv(T::from_f64_value)
}

// ---------------------------------------------------------------------------------
// 1. Distance at zero
// ---------------------------------------------------------------------------------

fn contrastive_identical<T: LossFloat>(label: f64) -> Evaluated {
    let x = cast::<T, _>(&array![[0.5, 0.5]]);
    let labels = cast::<T, _>(&array![label]);
    let (value, grad1, grad2) = ContrastiveLoss::new(1.0)
        .value_and_grad(&labels, &x, &x)
        .unwrap();
    Evaluated::new(value, &[&grad1, &grad2])
}

#[test]
fn contrastive_similar_pair_at_distance_zero() {
    // x1 = x2 = [0.5, 0.5], label 1: loss = d² = 0, and d loss / d x1 = 2 (x1 - x2) = 0,
    // d loss / d x2 = -2 (x1 - x2) = 0. The similar term never takes the square root.
    let results = [
        contrastive_identical::<f64>(1.0),
        contrastive_identical::<f32>(1.0),
    ];
    assert_evaluated("similar pair", results, 0.0, &[&[0.0, 0.0], &[0.0, 0.0]]);
}

#[test]
fn contrastive_dissimilar_pair_at_distance_zero() {
    // Label 0, margin 1, d = √0 = 0: loss = max(1 - 0, 0)² = 1.
    // d loss / d x1 = -2 max(1 - d, 0) × d d / d x1, and d = √s with s = Σ (x1 - x2)².
    // The derivative of sqrt at s = 0 is taken as 0, so both gradients are exactly 0:
    // finite, where 1 / (2√s) would give 0 × ∞ = NaN.
    let results = [
        contrastive_identical::<f64>(0.0),
        contrastive_identical::<f32>(0.0),
    ];
    assert_evaluated("dissimilar pair", results, 1.0, &[&[0.0, 0.0], &[0.0, 0.0]]);
}

fn triplet_anchor_on_positive<T: LossFloat>() -> Evaluated {
    let point = cast::<T, _>(&array![[0.5, 0.5]]);
    let negative = cast::<T, _>(&array![[1.5, 0.5]]);
    let (value, anchor, positive, negative) = TripletMarginLoss::new(2.0)
        .value_and_grad(&point, &point, &negative)
        .unwrap();
    Evaluated::new(value, &[&anchor, &positive, &negative])
}

#[test]
fn triplet_anchor_equal_to_positive() {
    // a = p = [0.5, 0.5], n = [1.5, 0.5], margin 2: d(a, p) = 0 and d(a, n) = 1, so
    // loss = 0 - 1 + 2 = 1, with the hinge active.
    // d loss / d a = (a - p) / d(a, p) - (a - n) / d(a, n) = 0 - [-1, 0] = [1, 0],
    //   where the first term is 0 by the sqrt convention at 0;
    // d loss / d p = 0 by the same convention;
    // d loss / d n = (a - n) / d(a, n) = [-1, 0].
    let results = [
        triplet_anchor_on_positive::<f64>(),
        triplet_anchor_on_positive::<f32>(),
    ];
    let grads: [&[f64]; 3] = [&[1.0, 0.0], &[0.0, 0.0], &[-1.0, 0.0]];
    assert_evaluated("triplet with a = p", results, 1.0, &grads);
}

// ---------------------------------------------------------------------------------
// 2. Logits far from zero
// ---------------------------------------------------------------------------------

fn bce_from_logit<T: LossFloat>(label: f64, logit: f64) -> Evaluated {
    let loss = BinaryCrossentropy::new(true, 0.0);
    let (value, grad) = loss
        .value_and_grad(&cast::<T, _>(&array![label]), &cast::<T, _>(&array![logit]))
        .unwrap();
    Evaluated::new(value, &[&grad])
}

fn assert_bce_from_logit(label: f64, logit: f64, value: f64, grad: f64) {
    let description = format!("label {label}, logit {logit}");
    let results = [
        bce_from_logit::<f64>(label, logit),
        bce_from_logit::<f32>(label, logit),
    ];
    assert_evaluated(&description, results, value, &[&[grad]]);
}

#[test]
fn bce_logit_100_label_0() {
    // loss = softplus(100) = 100 + ln(1 + e^-100) = 100 in f64;
    // gradient = sigmoid(100) - 0 = 1 - e^-100 = 1 in f64.
    assert_bce_from_logit(0.0, 100.0, 100.0, 1.0);
}

#[test]
fn bce_logit_100_label_1() {
    // loss = softplus(-100) = ln(1 + e^-100) = e^-100 = 3.720075976020836e-44;
    // gradient = sigmoid(100) - 1 = -e^-100 / (1 + e^-100) = -3.720075976020836e-44.
    // Both keep their digits: 1 - sigmoid(100) computed as written would give 0.
    assert_bce_from_logit(1.0, 100.0, E_MINUS_100, -E_MINUS_100);
}

#[test]
fn bce_logit_minus_100_label_0() {
    // loss = softplus(-100) = e^-100; gradient = sigmoid(-100) = e^-100 / (1 + e^-100).
    assert_bce_from_logit(0.0, -100.0, E_MINUS_100, E_MINUS_100);
}

#[test]
fn bce_logit_minus_100_label_1() {
    // loss = softplus(100) = 100; gradient = sigmoid(-100) - 1 = -1 in f64.
    assert_bce_from_logit(1.0, -100.0, 100.0, -1.0);
}

#[test]
fn bce_logits_100_equal_softplus_exactly() {
    // In f64 the loss is the helper's softplus bit for bit: y softplus(-x) + (1 - y)
    // softplus(x) with y in {0, 1}.
    for (label, logit) in [(0.0, 100.0), (1.0, 100.0), (0.0, -100.0), (1.0, -100.0)] {
        let value = bce_from_logit::<f64>(label, logit).value;
        let expected = if label == 1.0 {
            softplus(-logit)
        } else {
            softplus(logit)
        };
        assert_eq!(value, expected, "label {label}, logit {logit}");
    }
}

#[test]
fn bce_logits_1e4_stay_finite() {
    // softplus(1e4) = 1e4 and softplus(-1e4) = ln(1 + e^-1e4) = 0, since e^-1e4
    // underflows to 0. Gradients sigmoid(x) - y: 1, 0, 0 and -1.
    assert_bce_from_logit(0.0, 1e4, 1e4, 1.0);
    assert_bce_from_logit(1.0, 1e4, 0.0, 0.0);
    assert_bce_from_logit(0.0, -1e4, 0.0, 0.0);
    assert_bce_from_logit(1.0, -1e4, 1e4, -1.0);
}

// ---------------------------------------------------------------------------------
// 3. Large equal logits
// ---------------------------------------------------------------------------------

fn cce_large_equal_logits<T: LossFloat>() -> Evaluated {
    let loss = CategoricalCrossentropy::new(true, 0.0);
    let (value, grad) = loss
        .value_and_grad(
            &cast::<T, _>(&array![[0.0, 1.0]]),
            &cast::<T, _>(&array![[1e8, 1e8]]),
        )
        .unwrap();
    Evaluated::new(value, &[&grad])
}

#[test]
fn cce_logits_1e8_give_ln_2() {
    // Shifted by the maximum, the logits [1e8, 1e8] are [0, 0]: softmax [1/2, 1/2], so
    // loss = -ln(1/2) = ln 2 and gradient = softmax - target = [0.5, -0.5]. Unshifted,
    // e^1e8 overflows to inf and inf / inf is NaN.
    let results = [
        cce_large_equal_logits::<f64>(),
        cce_large_equal_logits::<f32>(),
    ];
    let ln_2 = std::f64::consts::LN_2;
    assert_evaluated("logits 1e8", results, ln_2, &[&[0.5, -0.5]]);
}

// ---------------------------------------------------------------------------------
// 4. Fractional powers at zero
// ---------------------------------------------------------------------------------

fn focal_far_logits<T: LossFloat>(gamma: f64) -> Evaluated {
    let loss = BinaryFocalCrossentropy::new(true, 0.25, gamma, true, 0.0);
    let y_true = cast::<T, _>(&array![0.0, 1.0, 0.0, 1.0]);
    let y_pred = cast::<T, _>(&array![-100.0, -100.0, 100.0, 100.0]);
    let (value, grad) = loss.value_and_grad(&y_true, &y_pred).unwrap();
    Evaluated::new(value, &[&grad])
}

#[test]
fn focal_gamma_half_at_far_logits() {
    // Per element, with s = e^-100, balancing weight w = 0.25 for label 1 and 0.75
    // for label 0, q = 1 - p_t and ce the cross-entropy:
    //   x = -100, y = 0: q = s, ce = s, loss 0.75 s^0.5 s ≈ 0
    //   x = -100, y = 1: q = 1, ce = 100, loss 0.25 × 100 = 25
    //   x = 100, y = 0: q = 1, ce = 100, loss 0.75 × 100 = 75
    //   x = 100, y = 1: q = s, ce = s, loss 0.25 s^0.5 s ≈ 0
    // The mean over 4 is 100 / 4 = 25.
    // Gradient of w q^γ ce, divided by 4:
    //   x = -100, y = 0: 0.75 s^γ (γ ce + s) / 4 = 0.28125 s^1.5 ≈ 2.018e-66
    //   x = -100, y = 1: 0.25 × d ce / dx / 4 = 0.25 × (-1) / 4 = -0.0625
    //   x = 100, y = 0: 0.75 × 1 / 4 = 0.1875
    //   x = 100, y = 1: -0.25 s^γ (γ ce + s) / 4 = -0.09375 s^1.5 ≈ -6.727e-67
    // The factor s^(γ-1) = s^-0.5 of q^γ's derivative is multiplied by q's own
    // derivative, s (1 - s), so nothing overflows and no 0 × ∞ appears. In f32 the two
    // tiny entries underflow to 0.
    let tiny = E_MINUS_100.powf(1.5);
    let results = [focal_far_logits::<f64>(0.5), focal_far_logits::<f32>(0.5)];
    let grad = [0.28125 * tiny, -0.0625, 0.1875, -0.09375 * tiny];
    assert_evaluated("gamma 0.5", results, 25.0, &[&grad]);
}

#[test]
fn focal_gamma_two_at_far_logits() {
    // The same with γ = 2: loss 25, and the tiny entries become
    // 0.75 s² (2 s + s) / 4 = 0.5625 s³ and -0.25 s² (2 s + s) / 4 = -0.1875 s³.
    let cube = E_MINUS_100.powi(3);
    let results = [focal_far_logits::<f64>(2.0), focal_far_logits::<f32>(2.0)];
    let grad = [0.5625 * cube, -0.0625, 0.1875, -0.1875 * cube];
    assert_evaluated("gamma 2", results, 25.0, &[&grad]);
}

// ---------------------------------------------------------------------------------
// 5. Empty masks
// ---------------------------------------------------------------------------------

fn overlap<T: LossFloat>(loss: &dyn Loss<T>, y_pred: Array2<f64>) -> Evaluated {
    let y_true = cast::<T, _>(&Array2::zeros(y_pred.raw_dim())).into_dyn();
    let y_pred = cast::<T, _>(&y_pred).into_dyn();
    let mut grad = ArrayD::zeros(y_pred.raw_dim());
    let value = loss
        .evaluate_into(Batch::new(y_true.view(), y_pred.view()), grad.view_mut())
        .unwrap();
    Evaluated::new(value, &[&grad])
}

fn overlap_both(name: &str, y_pred: Array2<f64>, value: f64, grad: &[f64]) {
    let (for_f64, for_f32): (Box<dyn Loss<f64>>, Box<dyn Loss<f32>>) = match name {
        "Dice" => (Box::new(Dice::default()), Box::new(Dice::default())),
        "Jaccard" => (Box::new(Jaccard::default()), Box::new(Jaccard::default())),
        "Tversky" => (Box::new(Tversky::default()), Box::new(Tversky::default())),
        other => panic!("no overlap loss {other}"),
    };
    let results = [
        overlap(for_f64.as_ref(), y_pred.clone()),
        overlap(for_f32.as_ref(), y_pred),
    ];
    assert_evaluated(name, results, value, &[grad]);
}

#[test]
fn overlap_losses_of_empty_masks() {
    // t = 0 and p = 0, smooth = 1: every overlap is (0 + 1) / (0 + 1), so loss 0.
    // d loss / d pₖ at t = 0 is smooth / D² times the weight of pₖ in D:
    //   Dice: D = Σt + Σp + 1, weight 1, gradient 1 / 1² = 1;
    //   Jaccard: D = Σt + Σp - I + 1, weight 1, gradient 1;
    //   Tversky: D = TP + 0.5 FP + 0.5 FN + 1, weight alpha = 0.5, gradient 0.5.
    let zeros = array![[0.0, 0.0]];
    overlap_both("Dice", zeros.clone(), 0.0, &[1.0, 1.0]);
    overlap_both("Jaccard", zeros.clone(), 0.0, &[1.0, 1.0]);
    overlap_both("Tversky", zeros, 0.0, &[0.5, 0.5]);
}

#[test]
fn overlap_losses_of_empty_target() {
    // t = 0, p = [0.5, 0.25], smooth = 1, so Σp = 0.75 and I = TP = 0:
    //   Dice and Jaccard: loss 1 - 1 / 1.75 = 3/7, gradient 1 / 1.75² = 16/49 each;
    //   Tversky: D = 0.5 × 0.75 + 1 = 1.375, loss 1 - 1 / 1.375 = 3/11, gradient
    //   0.5 / 1.375² = 32/121 each.
    // The loss is positive and the gradients are positive, so a descent step lowers
    // the predictions.
    let y_pred = array![[0.5, 0.25]];
    overlap_both("Dice", y_pred.clone(), 3.0 / 7.0, &[16.0 / 49.0; 2]);
    overlap_both("Jaccard", y_pred.clone(), 3.0 / 7.0, &[16.0 / 49.0; 2]);
    overlap_both("Tversky", y_pred, 3.0 / 11.0, &[32.0 / 121.0; 2]);
}

// ---------------------------------------------------------------------------------
// 6. Zero weights
// ---------------------------------------------------------------------------------

const SCALAR_REDUCTIONS: [Reduction; 3] =
    [Reduction::SumOverBatchSize, Reduction::Sum, Reduction::Mean];

/// Which `y_pred` arrays a loss accepts.
#[derive(Clone, Copy, PartialEq)]
enum Domain {
    /// Probabilities: ordinary ones, and 0 and 1.
    Probability,
    /// Logits or scores: ordinary ones, and ±100.
    Logit,
    /// Any real number: all of the above.
    Real,
}

impl Domain {
    fn accepts(self, inputs: Inputs) -> bool {
        match (self, inputs) {
            (_, Inputs::Ordinary) | (Domain::Real, _) => true,
            (Domain::Probability, inputs) => inputs == Inputs::ZeroAndOne,
            (Domain::Logit, inputs) => inputs == Inputs::PlusMinus100,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Inputs {
    Ordinary,
    ZeroAndOne,
    PlusMinus100,
}

const ALL_INPUTS: [Inputs; 3] = [Inputs::Ordinary, Inputs::ZeroAndOne, Inputs::PlusMinus100];

/// Two samples of two features. At 0 and 1 and at ±100 the first sample is certain
/// and right, the second certain and wrong.
fn elementwise_inputs(inputs: Inputs) -> (Array2<f64>, Array2<f64>) {
    let y_true = array![[0.0, 1.0], [1.0, 0.0]];
    let y_pred = match inputs {
        Inputs::Ordinary => array![[0.3, 0.6], [0.8, 0.1]],
        Inputs::ZeroAndOne => array![[0.0, 1.0], [0.0, 1.0]],
        Inputs::PlusMinus100 => array![[-100.0, 100.0], [-100.0, 100.0]],
    };
    (y_true, y_pred)
}

/// Two rows of three classes, one-hot targets, with the same pattern.
fn row_inputs(inputs: Inputs) -> (Array2<f64>, Array2<f64>) {
    let y_true = array![[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]];
    let y_pred = match inputs {
        Inputs::Ordinary => array![[0.2, 0.5, 0.3], [0.6, 0.3, 0.1]],
        Inputs::ZeroAndOne => array![[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
        Inputs::PlusMinus100 => array![[-100.0, 100.0, -100.0], [-100.0, -100.0, 100.0]],
    };
    (y_true, y_pred)
}

type Entry<T> = (&'static str, Domain, Box<dyn Loss<T>>);

fn elementwise_losses<T: LossFloat>(reduction: Reduction) -> Vec<Entry<T>> {
    use Domain::{Logit, Probability, Real};
    vec![
        (
            "MeanSquaredError",
            Real,
            Box::new(MeanSquaredError::new().with_reduction(reduction)),
        ),
        (
            "MeanAbsoluteError",
            Real,
            Box::new(MeanAbsoluteError::new().with_reduction(reduction)),
        ),
        (
            "MeanAbsolutePercentageError",
            Real,
            Box::new(MeanAbsolutePercentageError::new().with_reduction(reduction)),
        ),
        (
            "MeanSquaredLogarithmicError",
            Real,
            Box::new(MeanSquaredLogarithmicError::new().with_reduction(reduction)),
        ),
        (
            "Huber",
            Real,
            Box::new(Huber::default().with_reduction(reduction)),
        ),
        (
            "LogCosh",
            Real,
            Box::new(LogCosh::new().with_reduction(reduction)),
        ),
        (
            "BinaryCrossentropy",
            Probability,
            Box::new(BinaryCrossentropy::default().with_reduction(reduction)),
        ),
        (
            "BinaryCrossentropy from logits",
            Logit,
            Box::new(BinaryCrossentropy::new(true, 0.1).with_reduction(reduction)),
        ),
        (
            "BinaryFocalCrossentropy",
            Probability,
            Box::new(
                BinaryFocalCrossentropy::new(true, 0.25, 0.5, false, 0.0).with_reduction(reduction),
            ),
        ),
        (
            "BinaryFocalCrossentropy from logits",
            Logit,
            Box::new(
                BinaryFocalCrossentropy::new(true, 0.25, 0.5, true, 0.0).with_reduction(reduction),
            ),
        ),
        (
            "WeightedBinaryCrossentropy",
            Probability,
            Box::new(WeightedBinaryCrossentropy::new(2.0, 0.5, false).with_reduction(reduction)),
        ),
        (
            "WeightedBinaryCrossentropy from logits",
            Logit,
            Box::new(WeightedBinaryCrossentropy::new(2.0, 0.5, true).with_reduction(reduction)),
        ),
        (
            "Poisson",
            Probability,
            Box::new(Poisson::new().with_reduction(reduction)),
        ),
        (
            "Hinge",
            Real,
            Box::new(Hinge::new().with_reduction(reduction)),
        ),
        (
            "SquaredHinge",
            Real,
            Box::new(SquaredHinge::new().with_reduction(reduction)),
        ),
    ]
}

fn row_losses<T: LossFloat>(reduction: Reduction) -> Vec<Entry<T>> {
    use Domain::{Logit, Probability, Real};
    let identity = vec![1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0];
    vec![
        (
            "CategoricalCrossentropy",
            Probability,
            Box::new(CategoricalCrossentropy::default().with_reduction(reduction)),
        ),
        (
            "CategoricalCrossentropy from logits",
            Logit,
            Box::new(CategoricalCrossentropy::new(true, 0.1).with_reduction(reduction)),
        ),
        (
            "CategoricalFocalCrossentropy",
            Probability,
            Box::new(
                CategoricalFocalCrossentropy::new(0.25, 0.5, false, 0.0).with_reduction(reduction),
            ),
        ),
        (
            "CategoricalFocalCrossentropy from logits",
            Logit,
            Box::new(
                CategoricalFocalCrossentropy::new(0.25, 0.5, true, 0.0).with_reduction(reduction),
            ),
        ),
        (
            "CategoricalHinge",
            Real,
            Box::new(CategoricalHinge::new().with_reduction(reduction)),
        ),
        (
            "KLDivergence",
            Probability,
            Box::new(KLDivergence::new().with_reduction(reduction)),
        ),
        (
            "CosineSimilarity",
            Real,
            Box::new(CosineSimilarity::new().with_reduction(reduction)),
        ),
        (
            "Dice",
            Probability,
            Box::new(Dice::default().with_reduction(reduction)),
        ),
        (
            "Jaccard",
            Probability,
            Box::new(Jaccard::default().with_reduction(reduction)),
        ),
        (
            "Tversky",
            Probability,
            Box::new(Tversky::default().with_reduction(reduction)),
        ),
        (
            "ApproxNdcg",
            Logit,
            Box::new(ApproxNdcg::default().with_reduction(reduction)),
        ),
        (
            "Mahalanobis",
            Real,
            Box::new(Mahalanobis::new(identity).with_reduction(reduction)),
        ),
    ]
}

fn sparse_losses<T: LossFloat>(reduction: Reduction) -> Vec<Entry<T>> {
    vec![
        (
            "SparseCategoricalCrossentropy",
            Domain::Probability,
            Box::new(SparseCategoricalCrossentropy::default().with_reduction(reduction)),
        ),
        (
            "SparseCategoricalCrossentropy from logits",
            Domain::Logit,
            Box::new(SparseCategoricalCrossentropy::new(true, -1.0).with_reduction(reduction)),
        ),
    ]
}

/// Asserts that `loss` with both sample weights 0 has value 0 and gradient 0.
fn assert_zero_weights<T: LossFloat>(
    name: &str,
    loss: &dyn Loss<T>,
    y_true: &ArrayD<T>,
    y_pred: &ArrayD<T>,
    context: &str,
) {
    let weights = Array1::<T>::zeros(2).into_dyn();
    let batch = Batch::new(y_true.view(), y_pred.view()).with_sample_weight(weights.view());
    let mut grad = ArrayD::from_elem(y_pred.raw_dim(), T::nan());
    let value = loss.evaluate_into(batch, grad.view_mut()).unwrap();
    assert!(value == T::zero(), "{name}, {context}: value {value}");
    assert!(
        grad.iter().all(|&entry| entry == T::zero()),
        "{name}, {context}: gradient {grad}"
    );
}

fn zero_weights_of_single_input_losses<T: LossFloat>() {
    for reduction in SCALAR_REDUCTIONS {
        for inputs in ALL_INPUTS {
            let context = format!("{reduction:?}, {inputs:?}, {}", type_name::<T>());
            let (y_true, y_pred) = elementwise_inputs(inputs);
            let (y_true, y_pred) = (
                cast::<T, _>(&y_true).into_dyn(),
                cast::<T, _>(&y_pred).into_dyn(),
            );
            for (name, domain, loss) in elementwise_losses::<T>(reduction) {
                if domain.accepts(inputs) {
                    assert_zero_weights(name, loss.as_ref(), &y_true, &y_pred, &context);
                }
            }
            let (y_true, y_pred) = row_inputs(inputs);
            let (y_true, y_pred) = (
                cast::<T, _>(&y_true).into_dyn(),
                cast::<T, _>(&y_pred).into_dyn(),
            );
            for (name, domain, loss) in row_losses::<T>(reduction) {
                if domain.accepts(inputs) {
                    assert_zero_weights(name, loss.as_ref(), &y_true, &y_pred, &context);
                }
            }
            // Class 1 for the first row, class 0 for the second: as the one-hot rows.
            let labels = cast::<T, _>(&array![1.0, 0.0]).into_dyn();
            for (name, domain, loss) in sparse_losses::<T>(reduction) {
                if domain.accepts(inputs) {
                    assert_zero_weights(name, loss.as_ref(), &labels, &y_pred, &context);
                }
            }
        }
    }
}

fn type_name<T: LossFloat>() -> &'static str {
    if LossFloat::to_f64(T::epsilon()) > 1e-10 {
        "f32"
    } else {
        "f64"
    }
}

#[test]
fn zero_weights_give_zero_for_every_loss_f64() {
    // With every weight 0: Sum and SumOverBatchSize give Σ 0 × lᵢ = 0, and each
    // gradient entry is 0 × (a finite partial) = 0. Mean has Σ wᵢ = 0 and gives 0 by
    // definition, never 0 / 0.
    zero_weights_of_single_input_losses::<f64>();
}

#[test]
fn zero_weights_give_zero_for_every_loss_f32() {
    zero_weights_of_single_input_losses::<f32>();
}

/// Embedding pairs: ordinary, identical (distance 0) and ±100 apart.
fn pair_inputs(inputs: Inputs) -> (Array2<f64>, Array2<f64>) {
    match inputs {
        Inputs::Ordinary => (
            array![[0.3, 0.6], [0.8, 0.1]],
            array![[0.1, 0.2], [0.5, 0.5]],
        ),
        Inputs::ZeroAndOne => (
            array![[0.0, 1.0], [1.0, 0.0]],
            array![[0.0, 1.0], [1.0, 0.0]],
        ),
        Inputs::PlusMinus100 => (
            array![[-100.0, 100.0], [100.0, -100.0]],
            array![[100.0, -100.0], [-100.0, 100.0]],
        ),
    }
}

fn zero_weights_of_embedding_losses<T: LossFloat>() {
    let weights = Array1::<T>::zeros(2);
    let labels = cast::<T, _>(&array![1.0, 0.0]);
    for reduction in SCALAR_REDUCTIONS {
        for inputs in ALL_INPUTS {
            let context = format!("{reduction:?}, {inputs:?}, {}", type_name::<T>());
            let (first, second) = pair_inputs(inputs);
            let (first, second) = (cast::<T, _>(&first), cast::<T, _>(&second));

            let contrastive = ContrastiveLoss::default().with_reduction(reduction);
            let (value, grad1, grad2) = contrastive
                .value_and_grad_weighted(&labels, &first, &second, &weights)
                .unwrap();
            assert!(
                value == T::zero(),
                "ContrastiveLoss, {context}: value {value}"
            );
            for grad in [&grad1, &grad2] {
                let all_zero = grad.iter().all(|&entry| entry == T::zero());
                assert!(all_zero, "ContrastiveLoss, {context}: gradient {grad}");
            }

            // The anchor coincides with the positive for the identical inputs.
            let triplet = TripletMarginLoss::default().with_reduction(reduction);
            let (value, anchor, positive, negative) = triplet
                .value_and_grad_weighted(&first, &first, &second, &weights)
                .unwrap();
            assert!(
                value == T::zero(),
                "TripletMarginLoss, {context}: value {value}"
            );
            for grad in [&anchor, &positive, &negative] {
                let all_zero = grad.iter().all(|&entry| entry == T::zero());
                assert!(all_zero, "TripletMarginLoss, {context}: gradient {grad}");
            }
        }
    }
}

#[test]
fn zero_weights_give_zero_for_embedding_losses() {
    zero_weights_of_embedding_losses::<f64>();
    zero_weights_of_embedding_losses::<f32>();
}

// ---------------------------------------------------------------------------------
// 7. Lists without relevance
// ---------------------------------------------------------------------------------

fn ndcg_without_relevance<T: LossFloat>(reduction: Reduction) -> Evaluated {
    let loss = ApproxNdcg::default().with_reduction(reduction);
    let (value, grad) = loss
        .value_and_grad(
            &cast::<T, _>(&array![[0.0, 0.0, 0.0]]),
            &cast::<T, _>(&array![[0.3, -1.0, 0.3]]),
        )
        .unwrap();
    Evaluated::new(value, &[&grad])
}

#[test]
fn ndcg_list_without_relevance_alone() {
    // Labels all 0: no relevant item, IDCG = 0 and NDCG = 0 / 0. The list is left out,
    // so its loss is 0, its gradient 0, and a batch of only such lists has value 0
    // under every reduction.
    for reduction in SCALAR_REDUCTIONS {
        let results = [
            ndcg_without_relevance::<f64>(reduction),
            ndcg_without_relevance::<f32>(reduction),
        ];
        assert_evaluated(&format!("{reduction:?}"), results, 0.0, &[&[0.0; 3]]);
    }
}

/// Evaluates the list `[1, 0, 2]` alone and followed by a list without relevance, with
/// weights 2 and 5 under `Reduction::Mean`.
fn ndcg_with_and_without_empty_list<T: LossFloat>(reduction: Reduction) -> [Evaluated; 2] {
    let loss = ApproxNdcg::default().with_reduction(reduction);
    let list = array![[1.0, 0.0, 2.0]];
    let scores = array![[0.2, 0.4, -0.1]];
    let evaluate = |y_true: Array2<f64>, y_pred: Array2<f64>, weights: Array1<f64>| {
        let (value, grad) = if reduction == Reduction::Mean {
            loss.value_and_grad_weighted(
                &cast::<T, _>(&y_true),
                &cast::<T, _>(&y_pred),
                &cast::<T, _>(&weights),
            )
        } else {
            loss.value_and_grad(&cast::<T, _>(&y_true), &cast::<T, _>(&y_pred))
        }
        .unwrap();
        Evaluated::new(value, &[&grad])
    };
    let alone = evaluate(list.clone(), scores.clone(), array![2.0]);
    let with_empty = evaluate(
        ndarray::concatenate![ndarray::Axis(0), list, array![[0.0, 0.0, 0.0]]],
        ndarray::concatenate![ndarray::Axis(0), scores, array![[0.5, 0.5, -0.3]]],
        array![2.0, 5.0],
    );
    [alone, with_empty]
}

#[test]
fn ndcg_list_without_relevance_leaves_mean_unchanged() {
    // The list without relevance counts neither in the number of samples of
    // SumOverBatchSize nor in the weight sum of Mean, and adds 0 to Sum. So the value
    // and the first list's gradient are those of the first list alone, bit for bit.
    // The empty list's gradient is 0.
    for reduction in SCALAR_REDUCTIONS {
        for [alone, with_empty] in [
            ndcg_with_and_without_empty_list::<f64>(reduction),
            ndcg_with_and_without_empty_list::<f32>(reduction),
        ] {
            let context = format!("{reduction:?}, {:?}", alone.precision);
            assert!(alone.value < 0.0, "{context}: value {}", alone.value);
            assert_eq!(with_empty.value, alone.value, "{context}: value");
            assert_eq!(
                with_empty.grads[0][..3],
                alone.grads[0][..],
                "{context}: first list"
            );
            assert_eq!(with_empty.grads[0][3..], [0.0; 3], "{context}: empty list");
        }
    }
}

fn ndcg_tied_scores<T: LossFloat>() -> Evaluated {
    let (value, grad) = ApproxNdcg::default()
        .value_and_grad(
            &cast::<T, _>(&array![[1.0, 0.0]]),
            &cast::<T, _>(&array![[0.5, 0.5]]),
        )
        .unwrap();
    Evaluated::new(value, &[&grad])
}

#[test]
fn ndcg_tied_scores_give_finite_gradient() {
    // Labels [1, 0], scores [0.5, 0.5], temperature 0.1: rank₀ = 1 + sigmoid(0) = 1.5,
    // so DCG = 1 / ln 2.5 (in natural logarithms), IDCG = 1 / ln 2 and
    // loss = -ln 2 / ln 2.5 = -0.75647079736603.
    // d rank₀ / d s₀ = -sigmoid'(0) / 0.1 = -2.5 and d rank₀ / d s₁ = 2.5;
    // d loss / d rank₀ = ln 2 / (ln(2.5)² × 2.5), so
    // d loss / d s = [-ln 2 / ln(2.5)², ln 2 / ln(2.5)²] = [-0.8255794488052564, 0.8255794488052564].
    let ln_2 = std::f64::consts::LN_2;
    let slope = ln_2 / 2.5f64.ln().powi(2);
    let results = [ndcg_tied_scores::<f64>(), ndcg_tied_scores::<f32>()];
    assert_evaluated(
        "tied scores",
        results,
        -ln_2 / 2.5f64.ln(),
        &[&[-slope, slope]],
    );
}

// ---------------------------------------------------------------------------------
// 8. Overflow in the forward formula
// ---------------------------------------------------------------------------------

fn log_cosh_at<T: LossFloat>(error: f64) -> Evaluated {
    let (value, grad) = LogCosh::new()
        .value_and_grad(&cast::<T, _>(&array![0.0]), &cast::<T, _>(&array![error]))
        .unwrap();
    Evaluated::new(value, &[&grad])
}

#[test]
fn log_cosh_error_100() {
    // ln cosh(100) = 100 + softplus(-200) - ln 2 = 100 - ln 2 = 99.30685281944005,
    // where cosh(100) ≈ 1.3e43 overflows f32. d/de ln cosh(e) = tanh(100) = 1.
    let results = [log_cosh_at::<f64>(100.0), log_cosh_at::<f32>(100.0)];
    assert_evaluated("error 100", results, 99.30685281944005, &[&[100f64.tanh()]]);
}

#[test]
fn log_cosh_error_1e4() {
    // ln cosh(1e4) = 1e4 - ln 2 = 9999.30685281944; cosh(1e4) overflows f64 as well.
    let results = [log_cosh_at::<f64>(1e4), log_cosh_at::<f32>(1e4)];
    assert_evaluated("error 1e4", results, 9999.30685281944, &[&[1.0]]);
}

// ---------------------------------------------------------------------------------
// 9. Zero targets next to log of zero
// ---------------------------------------------------------------------------------

fn soft_target_row<T: LossFloat>(loss: &dyn Loss<T>, classes: usize) -> Evaluated {
    let y_true = array![0.5, 0.5, 0.0].slice_move(ndarray::s![..classes]);
    let y_pred = array![0.25, 0.75, 0.0].slice_move(ndarray::s![..classes]);
    let y_true = cast::<T, _>(&y_true.insert_axis(ndarray::Axis(0))).into_dyn();
    let y_pred = cast::<T, _>(&y_pred.insert_axis(ndarray::Axis(0))).into_dyn();
    let mut grad = ArrayD::zeros(y_pred.raw_dim());
    let value = loss
        .evaluate_into(Batch::new(y_true.view(), y_pred.view()), grad.view_mut())
        .unwrap();
    Evaluated::new(value, &[&grad])
}

#[test]
fn kl_divergence_zero_target_and_prediction() {
    // t = [0.5, 0.5, 0], ŷ = [0.25, 0.75, 0]. The third term is
    // clamp(0) ln(clamp(0) / clamp(0)) = 1e-7 ln 1 = 0, with gradient 0 because ŷ = 0 is
    // below the clip. The rest: 0.5 ln 2 + 0.5 ln(2/3) = 0.5 ln(4/3) = 0.14384103622589042,
    // gradient -t / ŷ = [-2, -2/3].
    let results = [
        soft_target_row::<f64>(&KLDivergence::new(), 3),
        soft_target_row::<f32>(&KLDivergence::new(), 3),
    ];
    let grad = [-2.0, -2.0 / 3.0, 0.0];
    assert_evaluated("3 classes", results, 0.5 * (4.0f64 / 3.0).ln(), &[&grad]);

    // Without the third class: the same value and the same first two entries.
    let results = [
        soft_target_row::<f64>(&KLDivergence::new(), 2),
        soft_target_row::<f32>(&KLDivergence::new(), 2),
    ];
    assert_evaluated(
        "2 classes",
        results,
        0.5 * (4.0f64 / 3.0).ln(),
        &[&grad[..2]],
    );
}

#[test]
fn categorical_crossentropy_zero_target_and_prediction() {
    // t = [0.5, 0.5, 0], ŷ = [0.25, 0.75, 0], S = Σ ŷ = 1. The third term is
    // 0 × ln(clamp(0)) = 0 × ln 1e-7 = 0. The rest: -0.5 ln 0.25 - 0.5 ln 0.75
    // = 0.5 ln(16/3) = 0.8369882167858358.
    // d loss / d ŷₖ = Σᵢ tᵢ / S - tₖ / ŷₖ over the unclipped terms: [1 - 2, 1 - 2/3, 1].
    // The third entry's 1 is the derivative of the normalisation by S, which every
    // class has: the zero term itself adds 0, where t / ŷ would be 0 / 0.
    let loss = CategoricalCrossentropy::default();
    let results = [
        soft_target_row::<f64>(&loss, 3),
        soft_target_row::<f32>(&loss, 3),
    ];
    let grad = [-1.0, 1.0 / 3.0, 1.0];
    assert_evaluated("3 classes", results, 0.5 * (16.0f64 / 3.0).ln(), &[&grad]);

    // Without the third class: the same value and the same first two entries.
    let results = [
        soft_target_row::<f64>(&loss, 2),
        soft_target_row::<f32>(&loss, 2),
    ];
    assert_evaluated(
        "2 classes",
        results,
        0.5 * (16.0f64 / 3.0).ln(),
        &[&grad[..2]],
    );
}

// ---------------------------------------------------------------------------------
// 10. Masked logits
// ---------------------------------------------------------------------------------

fn masked_logits<T: LossFloat>(sparse: bool) -> Evaluated {
    let inf = f64::INFINITY;
    // One masked class, two masked classes, every class masked.
    let y_pred = cast::<T, _>(&array![
        [-inf, 0.0, 0.0, 0.0],
        [1.0, -inf, 1.0, -inf],
        [-inf, -inf, -inf, -inf],
    ]);
    let (value, grad) = if sparse {
        let labels = cast::<T, _>(&array![1.0, 2.0, 0.0]);
        SparseCategoricalCrossentropy::new(true, -1.0).value_and_grad(&labels, &y_pred)
    } else {
        let one_hot = cast::<T, _>(&array![
            [0.0, 1.0, 0.0, 0.0],
            [0.0, 0.0, 1.0, 0.0],
            [1.0, 0.0, 0.0, 0.0],
        ]);
        CategoricalCrossentropy::new(true, 0.0).value_and_grad(&one_hot, &y_pred)
    }
    .unwrap();
    Evaluated::new(value, &[&grad])
}

#[test]
fn masked_logits_give_finite_loss() {
    // Row 0: softmax over the three unmasked classes, 1/3 each: loss ln 3, gradient
    //   softmax - target = [0, 1/3 - 1, 1/3, 1/3].
    // Row 1: classes 0 and 2 share the mass: loss ln 2, gradient [0.5, 0, -0.5, 0].
    // Row 2: every logit -inf: loss 0 and gradient 0, not NaN. It still counts as a
    //   sample, so the mean divides by 3: value (ln 3 + ln 2) / 3 = ln 6 / 3, and each
    //   gradient row is divided by 3 as well.
    let third = 1.0 / 3.0;
    let grad = [
        0.0,
        (third - 1.0) / 3.0,
        third / 3.0,
        third / 3.0,
        0.5 / 3.0,
        0.0,
        -0.5 / 3.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
    ];
    let value = 6.0f64.ln() / 3.0;
    for (sparse, name) in [(false, "one-hot"), (true, "sparse")] {
        let results = [masked_logits::<f64>(sparse), masked_logits::<f32>(sparse)];
        assert_evaluated(name, results, value, &[&grad]);
    }
}

// ---------------------------------------------------------------------------------
// Conventions at kinks and singular points
// ---------------------------------------------------------------------------------

#[loss]
fn absolute_error<T: Float>(y_true: T, y_pred: T) -> T {
    (y_pred - y_true).abs()
}

#[loss]
fn larger<T: Float>(y_true: T, y_pred: T) -> T {
    y_pred.max(y_true)
}

#[loss]
fn smaller<T: Float>(y_true: T, y_pred: T) -> T {
    y_pred.min(y_true)
}

#[loss]
fn clamped<T: Float>(y_true: T, y_pred: T) -> T {
    (y_pred - y_true).clamp(0.0, 1.0)
}

#[loss]
fn square_root<T: Float>(y_true: T, y_pred: T) -> T {
    (y_pred - y_true).sqrt()
}

#[loss]
fn power<T: Float>(y_true: T, y_pred: T, exponent: T) -> T {
    (y_pred - y_true).powf(exponent)
}

#[loss]
fn rectified<T: Float>(y_true: T, y_pred: T) -> T {
    relu(y_pred - y_true)
}

#[loss]
fn rectified_by_max<T: Float>(y_true: T, y_pred: T) -> T {
    (y_pred - y_true).max(0.0)
}

#[loss]
fn euclidean_norm<T: Float>(y_true: &[T], y_pred: &[T]) -> T {
    (y_pred[0] - y_true[0]).hypot(y_pred[1] - y_true[1])
}

/// Evaluates `loss` on one element, `y_true` and `y_pred`.
fn at_point<T: LossFloat>(loss: &dyn Loss<T>, y_true: f64, y_pred: f64) -> Evaluated {
    let y_true = ArrayD::from_elem(vec![1], T::from_f64_value(y_true));
    let y_pred = ArrayD::from_elem(vec![1], T::from_f64_value(y_pred));
    let mut grad = ArrayD::zeros(y_pred.raw_dim());
    let value = loss
        .evaluate_into(Batch::new(y_true.view(), y_pred.view()), grad.view_mut())
        .unwrap();
    Evaluated::new(value, &[&grad])
}

fn assert_convention<L>(description: &str, loss: L, y_true: f64, y_pred: f64, value: f64, grad: f64)
where
    L: Loss<f64> + Loss<f32>,
{
    let results = [
        at_point::<f64>(&loss, y_true, y_pred),
        at_point::<f32>(&loss, y_true, y_pred),
    ];
    assert_evaluated(description, results, value, &[&[grad]]);
}

#[test]
fn convention_abs_at_zero() {
    // |x| at x = 0: value 0, derivative 0 (PyTorch, TensorFlow).
    assert_convention("abs", AbsoluteError::new(), 0.5, 0.5, 0.0, 0.0);
}

#[test]
fn convention_max_at_tie() {
    // max(x, c) at x = c = 0.5: value 0.5, and each argument gets half: 0.5.
    assert_convention("max", Larger::new(), 0.5, 0.5, 0.5, 0.5);
}

#[test]
fn convention_min_at_tie() {
    // min(x, c) at x = c = 0.5: value 0.5, derivative 0.5.
    assert_convention("min", Smaller::new(), 0.5, 0.5, 0.5, 0.5);
}

#[test]
fn convention_clamp_at_bounds() {
    // clamp(x, 0, 1) at x = 0 and x = 1: the bounds count as inside, derivative 1.
    assert_convention("clamp at 0", Clamped::new(), 0.0, 0.0, 0.0, 1.0);
    assert_convention("clamp at 1", Clamped::new(), 0.0, 1.0, 1.0, 1.0);
}

#[test]
fn convention_sqrt_at_zero() {
    // √x at x = 0: value 0, derivative taken as 0 instead of 1 / (2√0) = ∞.
    assert_convention("sqrt", SquareRoot::new(), 0.0, 0.0, 0.0, 0.0);
}

fn norm_at_zero<T: LossFloat>() -> Evaluated {
    let zeros = cast::<T, _>(&array![[0.0, 0.0]]);
    let (value, grad) = EuclideanNorm::new().value_and_grad(&zeros, &zeros).unwrap();
    Evaluated::new(value, &[&grad])
}

#[test]
fn convention_hypot_at_zero_vector() {
    // hypot(a, b) at (0, 0): value 0, derivatives a / 0 and b / 0 taken as 0.
    let results = [norm_at_zero::<f64>(), norm_at_zero::<f32>()];
    assert_evaluated("hypot", results, 0.0, &[&[0.0, 0.0]]);
}

#[test]
fn convention_powf_at_zero_base() {
    // x^p at x = 0: value 0 for p > 0. The derivative p x^(p-1) is 1 for p = 1, is
    // taken as 0 for p = 0.5 (where it is infinite), and is 0 for p = 2.
    assert_convention("powf 1", Power::new(1.0), 0.0, 0.0, 0.0, 1.0);
    assert_convention("powf 0.5", Power::new(0.5), 0.0, 0.0, 0.0, 0.0);
    assert_convention("powf 2", Power::new(2.0), 0.0, 0.0, 0.0, 0.0);
}

#[test]
fn convention_relu_at_zero() {
    // relu(x) at x = 0: value 0, derivative 0 as in PyTorch. `x.max(0.0)` gives 0.5
    // there, because a tie of max shares the gradient.
    assert_convention("relu", Rectified::new(), 0.0, 0.0, 0.0, 0.0);
    assert_convention("max(x, 0)", RectifiedByMax::new(), 0.0, 0.0, 0.0, 0.5);
    assert_eq!(relu(0.0f64), 0.0);
}

// ---------------------------------------------------------------------------------
// Input policy
// ---------------------------------------------------------------------------------

#[test]
fn nan_prediction_propagates_to_value() {
    // Evaluation does not check inputs: a NaN prediction gives a NaN value, in f64
    // and f32, rather than an error or a silently finite number.
    let mse: f64 = MeanSquaredError::new()
        .value(&array![0.0, 1.0], &array![0.5, f64::NAN])
        .unwrap();
    assert!(mse.is_nan(), "MeanSquaredError: {mse}");
    let bce: f32 = BinaryCrossentropy::default()
        .value(&array![0.0f32, 1.0], &array![0.5f32, f32::NAN])
        .unwrap();
    assert!(bce.is_nan(), "BinaryCrossentropy: {bce}");
    let cce: f64 = CategoricalCrossentropy::new(true, 0.0)
        .value(&array![[0.0, 1.0]], &array![[0.5, f64::NAN]])
        .unwrap();
    assert!(cce.is_nan(), "CategoricalCrossentropy: {cce}");
    // relu keeps a NaN, where Rust's `f64::max(NaN, 0.0)` would return 0.
    let rectified: f64 = Rectified::new()
        .value(&array![0.0], &array![f64::NAN])
        .unwrap();
    assert!(rectified.is_nan(), "relu: {rectified}");
}

#[test]
fn validated_bce_rejects_label_outside_unit_interval() {
    let loss = BinaryCrossentropy::default().validated();
    let error = loss
        .value(
            &array![[0.0, 1.0], [1.5, 0.0]],
            &array![[0.2, 0.7], [0.4, 0.9]],
        )
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid input for BinaryCrossentropy at index [1, 0]: requires \
         `y_true >= 0.0 && y_true <= 1.0`, got y_true = 1.5, y_pred = 0.4"
    );
}

#[test]
fn validated_bce_accepts_any_logit() {
    // From logits, only the labels are checked: -1e4 and 1e4 are valid logits.
    let loss = Validated(BinaryCrossentropy::new(true, 0.0));
    let value: f64 = loss.value(&array![0.0, 1.0], &array![-1e4, 1e4]).unwrap();
    assert_eq!(value, 0.0);
}

#[test]
fn validate_inputs_rejects_negative_probability() {
    let loss = CategoricalCrossentropy::default();
    let y_true = array![[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]].into_dyn();
    let y_pred = array![[0.2, 0.8, 0.0], [0.5, -0.1, 0.6]].into_dyn();
    let error = loss
        .validate_inputs(Batch::new(y_true.view(), y_pred.view()))
        .unwrap_err();
    assert_eq!(
        error,
        LossError::InvalidInput {
            loss: "CategoricalCrossentropy",
            index: vec![1, 1],
            condition: "`from_logits || y_pred >= 0.0`",
            y_true: 0.0,
            y_pred: -0.1,
        }
    );
}

#[test]
fn sparse_label_too_large_for_index() {
    // 1e30 is a whole number above `usize::MAX`, so it cannot name a class.
    let loss = SparseCategoricalCrossentropy::new(true, -1.0);
    let labels = array![0.0, 1e30];
    let logits = array![[1.0, 2.0, 3.0], [0.5, 0.5, -1.0]];
    let error = loss.value(&labels, &logits).unwrap_err();
    assert!(
        matches!(error, LossError::InvalidLabel { value, sample: 1, .. } if value == 1e30),
        "{error}"
    );
}

#[test]
fn sparse_class_index_out_of_range() {
    // The class index 3 for rows of 3 classes is not an input condition: it is found
    // when the loss reads y_pred[3], so `validate_inputs` accepts the batch and the
    // evaluation itself returns IndexOutOfBounds, naming the sample.
    let loss = SparseCategoricalCrossentropy::new(true, -1.0);
    let labels = array![0.0, 3.0];
    let logits = array![[1.0, 2.0, 3.0], [0.5, 0.5, -1.0]];
    let batch = Batch::new(labels.view().into_dyn(), logits.view().into_dyn());
    assert_eq!(loss.validate_inputs(batch), Ok(()));
    let error = loss.validated().value(&labels, &logits).unwrap_err();
    assert_eq!(
        error,
        LossError::IndexOutOfBounds {
            loss: "SparseCategoricalCrossentropy",
            slice: "y_pred",
            index: 3,
            len: 3,
            sample: 1,
        }
    );
}
