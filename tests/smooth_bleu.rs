//! `SmoothBleu`: its gradient against central differences, its value on one-hot rows
//! against BLEU counted by hand and by a plain counting implementation, its values and
//! gradients against a float64 JAX implementation of the formula, and its errors.

// Stored reference numbers are data, not approximations of constants.
#[allow(dead_code, clippy::approx_constant)]
#[path = "data/smooth_bleu_reference.rs"]
mod data;

use std::collections::HashMap;

use losses_core::check::{CheckOptions, check_gradient};
use losses_core::prelude::*;
use ndarray::{Array2, ArrayD, IxDyn};

/// The JAX reference and this crate both compute in float64, but in a different order:
/// the relative error allowed, and the absolute error for entries near 0.
const RELATIVE_TOLERANCE: f64 = 1e-12;
const ABSOLUTE_TOLERANCE: f64 = 1e-15;

/// The f32 tolerances: float32 rounding of the inputs and of about a hundred terms.
const F32_RELATIVE_TOLERANCE: f64 = 1e-5;
const F32_ABSOLUTE_TOLERANCE: f64 = 1e-6;

/// The xorshift64 generator with shifts 13, 7 and 17, for reproducible inputs.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Returns a value in `[0, 1)`, from the top 53 bits.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }
}

/// Probability rows for `samples` candidates of `positions` rows over `vocabulary`
/// tokens, flattened to shape `[samples, positions × vocabulary]`. Every probability is
/// positive, and an expected count meets its reference count, the kink of `min`, only
/// by chance.
fn random_rows(
    rng: &mut XorShift,
    samples: usize,
    positions: usize,
    vocabulary: usize,
) -> ArrayD<f64> {
    let mut values = Vec::with_capacity(samples * positions * vocabulary);
    for _ in 0..samples * positions {
        let row: Vec<f64> = (0..vocabulary).map(|_| rng.unit() + 0.05).collect();
        let total: f64 = row.iter().sum();
        values.extend(row.iter().map(|p| p / total));
    }
    ArrayD::from_shape_vec(IxDyn(&[samples, positions * vocabulary]), values).expect("sized")
}

fn random_ids(rng: &mut XorShift, samples: usize, length: usize, vocabulary: usize) -> ArrayD<f64> {
    let ids = (0..samples * length)
        .map(|_| rng.below(vocabulary) as f64)
        .collect();
    ArrayD::from_shape_vec(IxDyn(&[samples, length]), ids).expect("sized")
}

/// One-hot rows of `vocabulary` tokens for a candidate of token ids, as one sample.
fn one_hot(candidate: &[usize], vocabulary: usize) -> ArrayD<f64> {
    let mut rows = Array2::zeros((candidate.len(), vocabulary));
    for (position, &token) in candidate.iter().enumerate() {
        rows[[position, token]] = 1.0;
    }
    rows.into_shape_with_order(IxDyn(&[1, candidate.len() * vocabulary]))
        .expect("contiguous")
}

/// Reference token ids as one sample.
fn reference(ids: &[usize]) -> ArrayD<f64> {
    let values = ids.iter().map(|&id| id as f64).collect();
    ArrayD::from_shape_vec(IxDyn(&[1, ids.len()]), values).expect("sized")
}

fn loss_of(loss: &SmoothBleu, y_true: &ArrayD<f64>, y_pred: &ArrayD<f64>) -> f64 {
    loss.value(y_true, y_pred).expect("valid input")
}

// ----- gradient ------------------------------------------------------------------------

/// Checks the gradient at seeded random probability rows and returns the worst ratio of
/// error to tolerance.
fn check_random(
    seed: u64,
    samples: usize,
    positions: usize,
    reference_len: usize,
    vocabulary: usize,
    smooth: f64,
) -> f64 {
    let mut rng = XorShift(seed);
    let y_pred = random_rows(&mut rng, samples, positions, vocabulary);
    let y_true = random_ids(&mut rng, samples, reference_len, vocabulary);
    let loss = SmoothBleu::new(vocabulary, smooth);
    let report =
        check_gradient(&loss, &y_true, &y_pred, &CheckOptions::for_f64()).expect("valid input");
    assert!(report.passed(), "seed {seed}: {report}");
    (report.analytic - report.numeric).abs() / report.tolerance
}

#[test]
fn gradient_longer_than_reference() {
    check_random(1, 3, 7, 5, 4, 1.0);
}

#[test]
fn gradient_shorter_than_reference() {
    // L = 3 < R = 6: a brevity penalty, and no candidate 4-gram.
    check_random(2, 3, 3, 6, 4, 1.0);
}

#[test]
fn gradient_short_reference() {
    // R = 2: the reference has no 3-gram or 4-gram.
    check_random(3, 2, 5, 2, 3, 0.5);
}

#[test]
fn gradient_small_vocabulary_repeats_ngrams() {
    // Two tokens over 9 reference positions repeat every n-gram, so counts exceed 1.
    check_random(4, 2, 8, 9, 2, 1.0);
}

#[test]
fn gradient_without_smoothing() {
    check_random(5, 2, 6, 6, 3, 0.0);
}

#[test]
fn gradient_many_seeds() {
    let mut worst: f64 = 0.0;
    for seed in 10..30 {
        let mut shape = XorShift(seed * 7919);
        let positions = 1 + shape.below(7);
        let reference_len = 1 + shape.below(7);
        let vocabulary = 2 + shape.below(5);
        let smooth = [0.0, 0.1, 1.0][shape.below(3)];
        worst = worst.max(check_random(
            seed,
            2,
            positions,
            reference_len,
            vocabulary,
            smooth,
        ));
    }
    println!("worst error / tolerance over 20 seeds: {worst:.3e}");
}

#[test]
fn gradient_f32() {
    let mut rng = XorShift(6);
    let y_pred = random_rows(&mut rng, 2, 5, 4).mapv(|p| p as f32);
    let y_true = random_ids(&mut rng, 2, 6, 4).mapv(|id| id as f32);
    let report = check_gradient(
        &SmoothBleu::new(4, 1.0),
        &y_true,
        &y_pred,
        &CheckOptions::for_f32(),
    )
    .expect("valid input");
    assert!(report.passed(), "{report}");
}

// ----- one-hot rows: BLEU counted by hand ----------------------------------------------

#[test]
fn copy_of_reference_has_loss_zero() {
    // Every n-gram of the candidate is in the reference and L = R: p_n = 1, BP = 1.
    let loss = SmoothBleu::new(4, 0.0);
    let value = loss_of(&loss, &reference(&[0, 1, 2, 3]), &one_hot(&[0, 1, 2, 3], 4));
    assert_eq!(value, 0.0);
}

#[test]
fn one_hot_with_brevity_penalty() {
    // Candidate [0 1 2 3 1] (L = 5), reference [0 1 2 3 0 1] (R = 6):
    //   unigrams: 0 ×1 (ref 2), 1 ×2 (ref 2), 2 ×1, 3 ×1        M1 = 5 of 5
    //   bigrams:  01 12 23 match once each, 31 is not in ref     M2 = 3 of 4
    //   trigrams: 012 123 match, 231 does not                    M3 = 2 of 3
    //   4-grams:  0123 matches, 1231 does not                    M4 = 1 of 2
    // BLEU = exp(1 - 6/5) (1 · 3/4 · 2/3 · 1/2)^(1/4) = exp(-0.2) / √2.
    let loss = SmoothBleu::new(4, 0.0);
    let value = loss_of(
        &loss,
        &reference(&[0, 1, 2, 3, 0, 1]),
        &one_hot(&[0, 1, 2, 3, 1], 4),
    );
    let bleu = (-0.2f64).exp() / 2.0f64.sqrt();
    assert!((value - (1.0 - bleu)).abs() < 1e-15, "{value}");
}

#[test]
fn one_hot_without_4gram_match_is_zero_bleu() {
    // Candidate [1 2 1 2 3], reference [1 2 3 1 2]: the candidate 4-grams 1212 and
    // 2123 are not in the reference, so M4 = 0 and BLEU = 0 with smooth = 0.
    let loss = SmoothBleu::new(4, 0.0);
    let (value, grad) = loss
        .value_and_grad(&reference(&[1, 2, 3, 1, 2]), &one_hot(&[1, 2, 1, 2, 3], 4))
        .expect("valid input");
    assert_eq!(value, 1.0);
    assert!(grad.iter().all(|&g| g == 0.0), "{grad}");
}

#[test]
fn one_hot_with_smoothing() {
    // The same pair with smooth = 1:
    //   unigrams: all 5 match                   p1 = (5 + 1) / (5 + 1) = 1
    //   bigrams:  12 twice (ref 2), 23; not 21   p2 = (3 + 1) / (4 + 1) = 4/5
    //   trigrams: 123; not 121, 212             p3 = (1 + 1) / (3 + 1) = 1/2
    //   4-grams:  none                          p4 = (0 + 1) / (2 + 1) = 1/3
    // BLEU = (4/5 · 1/2 · 1/3)^(1/4) = (2/15)^(1/4), and BP = 1 for L = R.
    let loss = SmoothBleu::new(4, 1.0);
    let value = loss_of(
        &loss,
        &reference(&[1, 2, 3, 1, 2]),
        &one_hot(&[1, 2, 1, 2, 3], 4),
    );
    let bleu = (2.0f64 / 15.0).powf(0.25);
    assert!((value - (1.0 - bleu)).abs() < 1e-15, "{value}");
}

#[test]
fn repeated_token_is_clipped() {
    // Candidate [2 2 2 2], reference [2 0 1 3]: token 2 occurs 4 times but counts once.
    //   p1 = (1 + 1) / (4 + 1) = 2/5. No bigram, trigram or 4-gram matches, so
    //   p2 = 1/4, p3 = 1/3, p4 = 1/2.
    // BLEU = (2/5 · 1/4 · 1/3 · 1/2)^(1/4) = (1/60)^(1/4).
    let loss = SmoothBleu::new(4, 1.0);
    let value = loss_of(&loss, &reference(&[2, 0, 1, 3]), &one_hot(&[2, 2, 2, 2], 4));
    let bleu = (1.0f64 / 60.0).powf(0.25);
    assert!((value - (1.0 - bleu)).abs() < 1e-15, "{value}");
}

#[test]
fn tie_at_the_clip_shares_the_gradient() {
    // One position, vocabulary 2, reference [0], smooth = 1. With P[0][0] = x:
    //   M1 = min(x, 1), p1 = (M1 + 1) / 2; orders 2 to 4 have p_n = (0 + 1) / (0 + 1).
    //   BLEU = p1^(1/4), d loss / d x = -BLEU / (4 (M1 + 1)) for x < 1.
    // At x = 1, C = count: the tie passes half, -1/16. At x = 1/2: -(3/4)^(1/4) / 6.
    let loss = SmoothBleu::new(2, 1.0);
    let y_true = reference(&[0]);
    let (value, grad) = loss
        .value_and_grad(&y_true, &one_hot(&[0], 2))
        .expect("valid input");
    assert_eq!(value, 0.0);
    assert_eq!(grad.as_slice().expect("contiguous"), &[-1.0 / 16.0, 0.0]);

    let half = ArrayD::from_shape_vec(IxDyn(&[1, 2]), vec![0.5, 0.5]).expect("sized");
    let (value, grad) = loss.value_and_grad(&y_true, &half).expect("valid input");
    let bleu = 0.75f64.powf(0.25);
    assert!((value - (1.0 - bleu)).abs() < 1e-15, "{value}");
    assert!((grad[[0, 0]] + bleu / 6.0).abs() < 1e-15, "{grad}");
    assert_eq!(grad[[0, 1]], 0.0);
}

// ----- one-hot rows: BLEU counted by a plain implementation ----------------------------

/// Counts the n-grams of `tokens`.
fn ngram_counts(tokens: &[usize], n: usize) -> HashMap<&[usize], usize> {
    let mut counts = HashMap::new();
    for gram in tokens.windows(n) {
        *counts.entry(gram).or_insert(0) += 1;
    }
    counts
}

/// Sentence BLEU of decoded tokens against one reference, uniform weights up to
/// 4-grams, with `smooth` added to each precision's numerator and denominator.
fn counted_bleu(candidate: &[usize], reference: &[usize], smooth: f64) -> f64 {
    let mut log_sum = 0.0;
    for n in 1..=4 {
        let reference_counts = ngram_counts(reference, n);
        let candidate_counts = ngram_counts(candidate, n);
        let clipped: usize = candidate_counts
            .iter()
            .map(|(gram, &count)| count.min(reference_counts.get(gram).copied().unwrap_or(0)))
            .sum();
        let total = (candidate.len() + 1).saturating_sub(n);
        let numerator = clipped as f64 + smooth;
        if numerator == 0.0 {
            return 0.0;
        }
        log_sum += (numerator / (total as f64 + smooth)).ln();
    }
    let (c, r) = (candidate.len() as f64, reference.len() as f64);
    let brevity_penalty = if c < r { (1.0 - r / c).exp() } else { 1.0 };
    brevity_penalty * (log_sum / 4.0).exp()
}

#[test]
fn one_hot_equals_counted_bleu() {
    let mut rng = XorShift(99);
    for _ in 0..200 {
        // A small vocabulary, so that long n-grams match often enough to matter.
        let vocabulary = 2 + rng.below(3);
        let candidate: Vec<usize> = (0..1 + rng.below(9))
            .map(|_| rng.below(vocabulary))
            .collect();
        let reference_ids: Vec<usize> = (0..1 + rng.below(9))
            .map(|_| rng.below(vocabulary))
            .collect();
        for smooth in [0.0, 1.0] {
            let loss = SmoothBleu::new(vocabulary, smooth);
            let value = loss_of(
                &loss,
                &reference(&reference_ids),
                &one_hot(&candidate, vocabulary),
            );
            let expected = 1.0 - counted_bleu(&candidate, &reference_ids, smooth);
            assert!(
                (value - expected).abs() < 1e-14,
                "candidate {candidate:?}, reference {reference_ids:?}, smooth {smooth}: {value} vs {expected}"
            );
        }
    }
}

// ----- reference values from JAX -------------------------------------------------------

fn array<T: LossFloat>(shape: [usize; 2], values: &[f64]) -> ArrayD<T> {
    let values = values.iter().map(|&x| T::from_f64_value(x)).collect();
    ArrayD::from_shape_vec(IxDyn(&shape), values).expect("sized")
}

fn assert_close(case: &str, label: &str, actual: f64, expected: f64, relative: f64, absolute: f64) {
    let tolerance = relative * expected.abs() + absolute;
    assert!(
        (actual - expected).abs() <= tolerance,
        "{case}: {label} is {actual}, reference {expected}, tolerance {tolerance}"
    );
}

fn compare_with_reference<T: LossFloat>(relative: f64, absolute: f64) {
    for case in data::CASES {
        let loss = SmoothBleu::new(case.vocabulary, case.smooth);
        let y_true = array::<T>(case.y_true_shape, case.y_true);
        let y_pred = array::<T>(case.y_pred_shape, case.y_pred);
        let (value, grad) = loss.value_and_grad(&y_true, &y_pred).expect("valid input");
        assert_close(
            case.name,
            "value",
            LossFloat::to_f64(value),
            case.value,
            relative,
            absolute,
        );
        let per_sample = loss.per_sample(&y_true, &y_pred).expect("valid input");
        for (i, (actual, &expected)) in per_sample.iter().zip(case.per_sample).enumerate() {
            let label = format!("per_sample[{i}]");
            assert_close(
                case.name,
                &label,
                LossFloat::to_f64(*actual),
                expected,
                relative,
                absolute,
            );
        }
        for (i, (actual, &expected)) in grad.iter().zip(case.grad).enumerate() {
            let label = format!("grad[{i}]");
            assert_close(
                case.name,
                &label,
                LossFloat::to_f64(*actual),
                expected,
                relative,
                absolute,
            );
        }
    }
}

#[test]
fn reference_values_f64() {
    compare_with_reference::<f64>(RELATIVE_TOLERANCE, ABSOLUTE_TOLERANCE);
}

#[test]
fn reference_values_f32() {
    compare_with_reference::<f32>(F32_RELATIVE_TOLERANCE, F32_ABSOLUTE_TOLERANCE);
}

// ----- errors --------------------------------------------------------------------------

fn uniform_rows(positions: usize, vocabulary: usize) -> ArrayD<f64> {
    let p = 1.0 / vocabulary as f64;
    ArrayD::from_elem(IxDyn(&[1, positions * vocabulary]), p)
}

#[test]
fn fractional_token_id_is_an_error() {
    let y_true = ArrayD::from_shape_vec(IxDyn(&[1, 2]), vec![0.0, 1.5]).expect("sized");
    let error = SmoothBleu::new(3, 1.0)
        .value(&y_true, &uniform_rows(2, 3))
        .unwrap_err();
    assert!(
        matches!(error, LossError::InvalidLabel { value, sample: 0, .. } if value == 1.5),
        "{error}"
    );
}

#[test]
fn negative_token_id_is_an_error() {
    let y_true = ArrayD::from_shape_vec(IxDyn(&[1, 1]), vec![-1.0]).expect("sized");
    let error = SmoothBleu::new(3, 1.0)
        .value(&y_true, &uniform_rows(2, 3))
        .unwrap_err();
    assert!(
        matches!(error, LossError::InvalidLabel { value, sample: 0, .. } if value == -1.0),
        "{error}"
    );
}

#[test]
fn token_id_past_vocabulary_is_an_error() {
    // Two positions of 3 tokens: id 3 is read at index 1·3 + 3 = 6 of a row of 6.
    let y_true = ArrayD::from_shape_vec(IxDyn(&[2, 2]), vec![0.0, 1.0, 2.0, 3.0]).expect("sized");
    let y_pred = ArrayD::from_elem(IxDyn(&[2, 6]), 1.0 / 3.0);
    let error = SmoothBleu::new(3, 1.0).value(&y_true, &y_pred).unwrap_err();
    assert_eq!(
        error,
        LossError::IndexOutOfBounds {
            loss: "SmoothBleu",
            slice: "y_pred",
            index: 6,
            len: 6,
            sample: 1
        }
    );
}

#[test]
fn indivisible_row_length_is_an_error() {
    let y_pred = ArrayD::from_elem(IxDyn(&[1, 7]), 0.25);
    let error = SmoothBleu::new(3, 1.0)
        .value(&reference(&[0, 1]), &y_pred)
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid hyper-parameter for SmoothBleu: requires `features % vocabulary == 0`, \
         got vocabulary = 3, features = 7"
    );
}

#[test]
fn zero_vocabulary_is_an_error() {
    let error = SmoothBleu::new(0, 1.0)
        .value(&reference(&[0]), &uniform_rows(1, 2))
        .unwrap_err();
    assert!(
        matches!(error, LossError::InvalidHyperParameter { .. }),
        "{error}"
    );
}

#[test]
fn negative_smooth_is_an_error() {
    let error = SmoothBleu::new(2, -0.5)
        .value(&reference(&[0]), &uniform_rows(1, 2))
        .unwrap_err();
    assert!(
        matches!(error, LossError::InvalidHyperParameter { .. }),
        "{error}"
    );
}
