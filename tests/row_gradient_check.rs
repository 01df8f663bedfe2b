//! Checks the compile-time gradient of every shipped row loss, in its option
//! combinations, against central finite differences of its value, in f64 at seeded
//! random points away from kinks and clip bounds.
//!
//! Each check draws `BATCHES` batches of `ROWS` rows. Even batches use
//! `Reduction::SumOverBatchSize` without weights, odd ones `Reduction::Mean` with
//! random sample weights.

use losses_core::prelude::*;
use ndarray::{Array1, Array2};

/// Relative finite-difference step: `h = STEP × max(|y_pred|, 1)`.
const STEP: f64 = 1e-6;
/// With that step, a central difference is off by about `1e-16 × |value| / h` from
/// rounding and `h² × |third derivative| / 6` from truncation: near 1e-10 for values
/// and derivatives of order 1, well inside these tolerances.
const RELATIVE_TOLERANCE: f64 = 1e-6;
const ABSOLUTE_TOLERANCE: f64 = 1e-9;
/// The smallest distance from a kink of a randomly drawn row, far larger than `h`.
const KINK_GAP: f64 = 1e-3;

const BATCHES: usize = 8;
const ROWS: usize = 3;

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

    /// Draws an integer from `0..count`.
    fn below(&mut self, count: usize) -> usize {
        (self.next_u64() % count as u64) as usize
    }

    /// Draws from a standard normal distribution, by the Box-Muller transform.
    fn normal(&mut self) -> f64 {
        let radius = (-2.0 * (1.0 - self.uniform(0.0, 1.0)).ln()).sqrt();
        radius * (std::f64::consts::TAU * self.uniform(0.0, 1.0)).cos()
    }
}

// ----- row domains ---------------------------------------------------------------

/// A pair of rows: `(y_true, y_pred)`.
type Rows = (Vec<f64>, Vec<f64>);

/// A one-hot row for half of the draws, and a random distribution otherwise.
fn class_target(rng: &mut XorShift, classes: usize) -> Vec<f64> {
    if rng.below(2) == 0 {
        let mut row = vec![0.0; classes];
        row[rng.below(classes)] = 1.0;
        row
    } else {
        let raw: Vec<f64> = (0..classes).map(|_| rng.uniform(0.05, 1.0)).collect();
        let sum: f64 = raw.iter().sum();
        raw.iter().map(|value| value / sum).collect()
    }
}

/// Class targets with probabilities in `[0.05, 1)`, which stay inside the clip range
/// once divided by their sum, or logits in `[-4, 4]`.
fn class_rows(rng: &mut XorShift, classes: usize, from_logits: bool) -> Rows {
    let y_true = class_target(rng, classes);
    let y_pred = (0..classes)
        .map(|_| {
            if from_logits {
                rng.uniform(-4.0, 4.0)
            } else {
                rng.uniform(0.05, 1.0)
            }
        })
        .collect();
    (y_true, y_pred)
}

/// Target distributions with an exact 0 now and then, and predictions in
/// `[0.01, 0.95]`, inside the clip range `[1e-7, 1]`.
fn divergence_rows(rng: &mut XorShift, classes: usize) -> Rows {
    let mut y_true = class_target(rng, classes);
    let zeroed = rng.below(classes);
    y_true[zeroed] = 0.0;
    let y_pred = (0..classes).map(|_| rng.uniform(0.01, 0.95)).collect();
    (y_true, y_pred)
}

fn normal_rows(rng: &mut XorShift, features: usize) -> Rows {
    let y_true = (0..features).map(|_| rng.normal()).collect();
    let y_pred = (0..features).map(|_| rng.normal()).collect();
    (y_true, y_pred)
}

/// One-hot targets and scores whose margin `neg - pos + 1` and whose gap between the
/// two largest `(1 - t) ŷ` terms are at least `KINK_GAP`.
fn hinge_rows(rng: &mut XorShift, classes: usize) -> Rows {
    loop {
        let mut y_true = vec![0.0; classes];
        y_true[rng.below(classes)] = 1.0;
        let y_pred: Vec<f64> = (0..classes).map(|_| rng.uniform(-2.0, 2.0)).collect();
        let positive: f64 = y_true.iter().zip(&y_pred).map(|(t, p)| t * p).sum();
        let mut terms: Vec<f64> = y_true
            .iter()
            .zip(&y_pred)
            .map(|(t, p)| (1.0 - t) * p)
            .collect();
        terms.sort_by(f64::total_cmp);
        let (largest, second) = (terms[classes - 1], terms[classes - 2]);
        if (largest - positive + 1.0).abs() > KINK_GAP && largest - second > KINK_GAP {
            return (y_true, y_pred);
        }
    }
}

/// Binary masks and predicted probabilities in `[0.01, 0.99]`.
fn mask_rows(rng: &mut XorShift, pixels: usize) -> Rows {
    let y_true = (0..pixels).map(|_| (rng.below(2)) as f64).collect();
    let y_pred = (0..pixels).map(|_| rng.uniform(0.01, 0.99)).collect();
    (y_true, y_pred)
}

/// Graded labels in {0, 1, 2, 3} and scores from a normal distribution.
fn ranking_rows(rng: &mut XorShift, items: usize) -> Rows {
    let y_true = (0..items).map(|_| rng.below(4) as f64).collect();
    let y_pred = (0..items).map(|_| 0.5 * rng.normal()).collect();
    (y_true, y_pred)
}

// ----- the finite-difference check ----------------------------------------------

/// Checks `make(reduction)` on `BATCHES` batches of `ROWS` rows from `draw`, and prints
/// the largest error as a share of the tolerance.
fn check_loss<L: Loss<f64>>(
    label: &str,
    seed: u64,
    make: impl Fn(Reduction) -> L,
    mut draw: impl FnMut(&mut XorShift) -> Rows,
) {
    let mut rng = XorShift::new(seed);
    let mut worst: f64 = 0.0;
    for batch in 0..BATCHES {
        let rows: Vec<Rows> = (0..ROWS).map(|_| draw(&mut rng)).collect();
        let features = rows[0].0.len();
        let y_true = Array2::from_shape_fn((ROWS, features), |(row, column)| rows[row].0[column]);
        let y_pred = Array2::from_shape_fn((ROWS, features), |(row, column)| rows[row].1[column]);
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
            "{label}: gradient entry {index:?} of y_pred = {y_pred} with y_true = {y_true}: \
             compile-time {analytic:e}, finite difference {numeric:e}"
        );
        worst = worst.max(error / allowed);
    }
    worst
}

// ----- one test per loss ---------------------------------------------------------

#[test]
fn categorical_crossentropy_gradient() {
    for (seed, from_logits, label_smoothing) in [
        (1, false, 0.0),
        (2, false, 0.1),
        (3, true, 0.0),
        (4, true, 0.3),
    ] {
        check_loss(
            &format!("CategoricalCrossentropy({from_logits}, {label_smoothing})"),
            seed,
            |r| CategoricalCrossentropy::new(from_logits, label_smoothing).with_reduction(r),
            |rng| class_rows(rng, 4, from_logits),
        );
    }
}

#[test]
fn categorical_focal_crossentropy_gradient() {
    for (seed, alpha, gamma, from_logits, label_smoothing) in [
        (11, 0.25, 2.0, false, 0.0),
        (12, 1.0, 0.5, false, 0.2),
        (13, 0.25, 2.0, true, 0.0),
        (14, 0.6, 1.5, true, 0.1),
        (15, 1.0, 0.0, true, 0.0),
    ] {
        check_loss(
            &format!(
                "CategoricalFocalCrossentropy({alpha}, {gamma}, {from_logits}, {label_smoothing})"
            ),
            seed,
            |r| {
                CategoricalFocalCrossentropy::new(alpha, gamma, from_logits, label_smoothing)
                    .with_reduction(r)
            },
            |rng| class_rows(rng, 4, from_logits),
        );
    }
}

#[test]
fn kl_divergence_gradient() {
    check_loss(
        "KLDivergence",
        21,
        |r| KLDivergence::new().with_reduction(r),
        |rng| divergence_rows(rng, 5),
    );
}

#[test]
fn cosine_similarity_gradient() {
    check_loss(
        "CosineSimilarity",
        31,
        |r| CosineSimilarity::new().with_reduction(r),
        |rng| normal_rows(rng, 4),
    );
}

#[test]
fn categorical_hinge_gradient() {
    check_loss(
        "CategoricalHinge",
        41,
        |r| CategoricalHinge::new().with_reduction(r),
        |rng| hinge_rows(rng, 4),
    );
}

#[test]
fn dice_gradient() {
    for (seed, smooth) in [(51, 1.0), (52, 0.0), (53, 0.3)] {
        check_loss(
            &format!("Dice({smooth})"),
            seed,
            |r| Dice::new(smooth).with_reduction(r),
            |rng| mask_rows(rng, 6),
        );
    }
}

#[test]
fn jaccard_gradient() {
    for (seed, smooth) in [(61, 1.0), (62, 0.0)] {
        check_loss(
            &format!("Jaccard({smooth})"),
            seed,
            |r| Jaccard::new(smooth).with_reduction(r),
            |rng| mask_rows(rng, 6),
        );
    }
}

#[test]
fn tversky_gradient() {
    for (seed, alpha, beta, smooth) in [
        (71, 0.5, 0.5, 1.0),
        (72, 0.3, 0.7, 1.0),
        (73, 0.9, 0.1, 0.0),
    ] {
        check_loss(
            &format!("Tversky({alpha}, {beta}, {smooth})"),
            seed,
            |r| Tversky::new(alpha, beta, smooth).with_reduction(r),
            |rng| mask_rows(rng, 6),
        );
    }
}

#[test]
fn approx_ndcg_gradient() {
    for (seed, temperature) in [(81, 0.1), (82, 0.5), (83, 2.0)] {
        check_loss(
            &format!("ApproxNdcg({temperature})"),
            seed,
            |r| ApproxNdcg::new(temperature).with_reduction(r),
            |rng| ranking_rows(rng, 5),
        );
    }
}

#[test]
fn mahalanobis_gradient() {
    // A symmetric positive-definite matrix, then one that is neither, through `new`.
    let symmetric = vec![
        2.0, 0.3, -0.1, 0.0, 0.3, 1.5, 0.2, 0.1, -0.1, 0.2, 1.0, -0.3, 0.0, 0.1, -0.3, 0.8,
    ];
    let general = vec![
        1.0, 0.4, 0.0, -0.2, -0.3, 2.0, 0.5, 0.0, 0.0, 0.1, 0.7, 0.2, 0.6, 0.0, -0.4, 1.2,
    ];
    for (seed, matrix) in [(91, symmetric), (92, general)] {
        check_loss(
            "Mahalanobis",
            seed,
            |r| Mahalanobis::new(matrix.clone()).with_reduction(r),
            |rng| normal_rows(rng, 4),
        );
    }
}
