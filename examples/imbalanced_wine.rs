//! Logistic regression on an imbalanced data set, trained once with the shipped
//! `BinaryCrossentropy` and once with a class-weighted cross-entropy that this file
//! writes as plain scalar Rust under `#[loss]`.
//!
//! The data are the 1599 red wines of the UCI wine quality data set, as embedded in the
//! `linfa-datasets` crate. A wine is positive when its quality score is at least 7,
//! which holds for about one wine in seven. Both runs share the train/test split, the
//! standardisation, the initial weights and the optimiser, so only the loss differs.
//! Each run gets the gradient of the loss with respect to the logits from
//! `value_and_grad` and applies the chain rule to reach the weights.
//!
//! With the plain loss the negatives dominate the gradient, and on the seeded split the
//! model flags few wines as positive and misses most of the good ones. The class
//! weights give each class half of the total weight, which raises the recall of the
//! positive class at the cost of its precision. The example prints both trade-offs.
//!
//! While training, a progress bar on the terminal shows the running loss. The loss
//! curves and the scores before and after training are written as an SVG image to
//! `target/plots/imbalanced_wine.svg`, or to the path given as the first argument.
//!
//! ```text
//! cargo run --release --example imbalanced_wine
//! ```

#[path = "support/training.rs"]
mod training;

use std::error::Error;

use losses_core::prelude::*;
use ndarray::{Array1, Array2, Axis};

/// Seed of the train/test shuffle. xorshift needs a non-zero seed.
const SEED: u64 = 42;
/// Share of the wines held out for testing.
const TEST_FRACTION: f64 = 0.2;
/// Lowest quality score of the positive class.
const MIN_POSITIVE_QUALITY: usize = 7;
const LEARNING_RATE: f64 = 0.5;
const EPOCHS: usize = 1000;
/// Epochs whose training loss is printed, counted from 1. Each loss is taken before
/// that epoch's step, so epoch 1 shows the initial model.
const REPORTED_EPOCHS: [usize; 5] = [1, 10, 100, 500, 1000];
/// A wine is predicted positive when sigmoid(z) is at least this probability.
const THRESHOLD: f64 = 0.5;

/// softplus(x) = ln(1 + eˣ), computed as max(x, 0) + ln(1 + e^−|x|) so that the
/// exponential never overflows.
#[differentiable]
fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

/// Binary cross-entropy on logits with one weight per class:
///
/// ```text
/// loss = pos_weight · y · softplus(−z) + neg_weight · (1 − y) · softplus(z)
/// ```
///
/// where `y = y_true` is the 0/1 label and `z = y_pred` the logit. Since
/// softplus(−z) = −ln σ(z) and softplus(z) = −ln(1 − σ(z)), equal weights of 1 give the
/// plain cross-entropy. The crate ships this loss as `WeightedBinaryCrossentropy`; it is
/// written out here to show what `#[loss]` takes.
#[loss(require(pos_weight >= 0.0, neg_weight >= 0.0))]
fn class_weighted_crossentropy(y_true: f64, y_pred: f64, pos_weight: f64, neg_weight: f64) -> f64 {
    pos_weight * y_true * softplus(-y_pred) + neg_weight * (1.0 - y_true) * softplus(y_pred)
}

/// Wines as rows of `features`, with labels 1.0 (positive) or 0.0.
struct Samples {
    features: Array2<f64>,
    labels: Array1<f64>,
}

impl Samples {
    fn len(&self) -> usize {
        self.labels.len()
    }

    fn positive_count(&self) -> usize {
        self.labels.iter().filter(|&&label| label == 1.0).count()
    }

    /// Returns the samples at `rows`, in that order.
    fn select(&self, rows: &[usize]) -> Samples {
        Samples {
            features: self.features.select(Axis(0), rows),
            labels: self.labels.select(Axis(0), rows),
        }
    }
}

/// Loads the red wines, labelled 1.0 when their quality is at least
/// `MIN_POSITIVE_QUALITY` and 0.0 otherwise.
fn load_red_wine() -> Result<Samples, Box<dyn Error>> {
    // linfa-datasets 0.8 returns ndarray 0.16 arrays, a different type from this
    // workspace's ndarray 0.17, so the values cross over as a row-major `Vec`.
    let dataset = linfa_datasets::winequality();
    let shape = (dataset.records.nrows(), dataset.records.ncols());
    let values: Vec<f64> = dataset.records.iter().copied().collect();
    let labels = dataset
        .targets
        .iter()
        .map(|&quality| positive_label(quality))
        .collect();
    Ok(Samples {
        features: Array2::from_shape_vec(shape, values)?,
        labels,
    })
}

fn positive_label(quality: usize) -> f64 {
    if quality >= MIN_POSITIVE_QUALITY {
        1.0
    } else {
        0.0
    }
}

/// The xorshift64 generator with shifts 13, 7 and 17, which makes the shuffle
/// reproducible without a dependency on `rand`.
struct XorShift64(u64);

impl XorShift64 {
    fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Returns an index in `0..bound`. The modulo bias is at most `bound / 2⁶⁴`.
    fn below(&mut self, bound: usize) -> usize {
        (self.next_u64() % bound as u64) as usize
    }
}

/// Returns `0..len` in an order fixed by `seed`, by a Fisher–Yates shuffle.
fn shuffled_indices(len: usize, seed: u64) -> Vec<usize> {
    let mut rng = XorShift64(seed);
    let mut indices: Vec<usize> = (0..len).collect();
    for i in (1..len).rev() {
        indices.swap(i, rng.below(i + 1));
    }
    indices
}

/// Splits `samples` at random into a training and a test set. The split is not
/// stratified, so the share of positives differs a little between the two.
fn train_test_split(samples: &Samples, test_fraction: f64, seed: u64) -> (Samples, Samples) {
    let order = shuffled_indices(samples.len(), seed);
    let test_len = (test_fraction * order.len() as f64).round() as usize;
    let (test_rows, train_rows) = order.split_at(test_len);
    (samples.select(train_rows), samples.select(test_rows))
}

/// Rescales every feature to mean 0 and standard deviation 1 over the training set, and
/// applies the same map to the test set, so that no test statistic leaks into training.
fn standardise(train: &mut Samples, test: &mut Samples) -> Result<(), Box<dyn Error>> {
    let mean = train
        .features
        .mean_axis(Axis(0))
        .ok_or("the training set is empty")?;
    // NOTE: a feature that is constant over the training set would divide by 0 here.
    // None of the eleven wine features is.
    let std = train.features.std_axis(Axis(0), 0.0);
    for features in [&mut train.features, &mut test.features] {
        *features -= &mean;
        *features /= &std;
    }
    Ok(())
}

/// Returns the (positive, negative) class weights by scikit-learn's "balanced" rule,
/// `N / (2 · N_class)` for two classes, so that each class carries half of the total
/// weight.
fn balanced_class_weights(train: &Samples) -> (f64, f64) {
    let total = train.len() as f64;
    let positives = train.positive_count() as f64;
    let negatives = total - positives;
    (total / (2.0 * positives), total / (2.0 * negatives))
}

/// A logistic regression: the logit of a wine `x` is `z = w · x + b`.
struct LogisticRegression {
    weights: Array1<f64>,
    bias: f64,
}

impl LogisticRegression {
    /// Creates the model with all parameters 0, so both runs start from the same point,
    /// where every predicted probability is 0.5.
    fn zeros(feature_count: usize) -> Self {
        Self {
            weights: Array1::zeros(feature_count),
            bias: 0.0,
        }
    }

    fn logits(&self, features: &Array2<f64>) -> Array1<f64> {
        features.dot(&self.weights) + self.bias
    }

    /// Takes one gradient-descent step, given dL/dz for each row of `features`.
    fn step(&mut self, features: &Array2<f64>, logit_grad: &Array1<f64>) {
        // z = Xw + b, so by the chain rule dL/dw = Xᵀ · dL/dz and dL/db = Σ dL/dz.
        let weight_grad = features.t().dot(logit_grad);
        self.weights.scaled_add(-LEARNING_RATE, &weight_grad);
        self.bias -= LEARNING_RATE * logit_grad.sum();
    }
}

/// Trains a model on `train` by full-batch gradient descent on `loss`, showing a
/// progress bar labelled `name`, and returns it with the training loss of every epoch.
fn fit(
    loss: &impl Loss<f64>,
    name: &str,
    train: &Samples,
) -> Result<(LogisticRegression, Vec<f64>), LossError> {
    let mut model = LogisticRegression::zeros(train.features.ncols());
    let mut losses = Vec::with_capacity(EPOCHS);
    let bar = training::progress_bar(name, EPOCHS);
    for _ in 1..=EPOCHS {
        // The logits are `y_pred`, one per wine, so the gradient is dL/dz and the
        // reduction divides by the number of wines.
        let logits = model.logits(&train.features);
        let (value, logit_grad) = loss.value_and_grad(&train.labels, &logits)?;
        losses.push(value);
        bar.set_message(format!("{value:.4}"));
        bar.inc(1);
        model.step(&train.features, &logit_grad);
    }
    bar.finish();
    Ok((model, losses))
}

/// Returns the losses of the epochs in `REPORTED_EPOCHS` from the loss of every epoch.
fn reported_losses(losses: &[f64]) -> Vec<f64> {
    REPORTED_EPOCHS
        .iter()
        .map(|&epoch| losses[epoch - 1])
        .collect()
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// Counts of positive-class outcomes on a test set.
#[derive(Default)]
struct Scores {
    true_positives: usize,
    false_positives: usize,
    false_negatives: usize,
}

impl Scores {
    fn of(model: &LogisticRegression, test: &Samples) -> Self {
        let mut scores = Scores::default();
        for (&z, &label) in model.logits(&test.features).iter().zip(&test.labels) {
            match (sigmoid(z) >= THRESHOLD, label == 1.0) {
                (true, true) => scores.true_positives += 1,
                (true, false) => scores.false_positives += 1,
                (false, true) => scores.false_negatives += 1,
                (false, false) => {}
            }
        }
        scores
    }

    fn precision(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_positives,
        )
    }

    fn recall(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_negatives,
        )
    }

    fn metrics(&self) -> training::Metrics {
        training::Metrics {
            precision: self.precision(),
            recall: self.recall(),
            f1: self.f1(),
        }
    }

    fn f1(&self) -> f64 {
        let (precision, recall) = (self.precision(), self.recall());
        if precision + recall == 0.0 {
            0.0
        } else {
            2.0 * precision * recall / (precision + recall)
        }
    }
}

/// Returns `numerator / denominator`, or 0 for an empty count, so that a model that
/// predicts no positive scores a precision of 0.
fn ratio(numerator: usize, denominator: usize) -> f64 {
    if denominator == 0 {
        0.0
    } else {
        numerator as f64 / denominator as f64
    }
}

fn print_counts(all: &Samples, train: &Samples, test: &Samples) {
    let share = 100.0 * all.positive_count() as f64 / all.len() as f64;
    println!(
        "red wines: {} in all, {} positive (quality >= {MIN_POSITIVE_QUALITY}, {share:.1} %)",
        all.len(),
        all.positive_count()
    );
    for (name, split) in [("training", train), ("test", test)] {
        println!(
            "{name} split: {} wines, {} positive",
            split.len(),
            split.positive_count()
        );
    }
}

fn print_losses(names: [&str; 2], losses: [&[f64]; 2]) {
    println!("\ntraining loss, full-batch gradient descent at learning rate {LEARNING_RATE}:");
    println!("{:>6}  {:>26}  {:>26}", "epoch", names[0], names[1]);
    for (row, epoch) in REPORTED_EPOCHS.iter().enumerate() {
        println!(
            "{epoch:>6}  {:>26.4}  {:>26.4}",
            losses[0][row], losses[1][row]
        );
    }
}

fn print_scores(names: [&str; 2], scores: [&Scores; 2]) {
    println!("\ntest split, positive class, predicted positive when sigmoid(z) >= {THRESHOLD}:");
    println!(
        "{:<26}  {:>9}  {:>6}  {:>6}  {:>4}  {:>4}  {:>4}",
        "loss", "precision", "recall", "F1", "TP", "FP", "FN"
    );
    for (name, score) in names.iter().zip(scores) {
        println!(
            "{name:<26}  {:>9.3}  {:>6.3}  {:>6.3}  {:>4}  {:>4}  {:>4}",
            score.precision(),
            score.recall(),
            score.f1(),
            score.true_positives,
            score.false_positives,
            score.false_negatives
        );
    }
}

fn print_comparison(plain: &Scores, weighted: &Scores) {
    println!(
        "\nclass weighting moves positive-class recall from {:.3} to {:.3}, precision from {:.3} to {:.3} and F1 from {:.3} to {:.3}",
        plain.recall(),
        weighted.recall(),
        plain.precision(),
        weighted.precision(),
        plain.f1(),
        weighted.f1()
    );
}

fn main() -> Result<(), Box<dyn Error>> {
    let samples = load_red_wine()?;
    let (mut train, mut test) = train_test_split(&samples, TEST_FRACTION, SEED);
    print_counts(&samples, &train, &test);
    standardise(&mut train, &mut test)?;

    // The weights come from the training split only and are fixed hyper-parameters
    // of the loss, not learned.
    let (pos_weight, neg_weight) = balanced_class_weights(&train);
    println!(
        "class weights from the training split: positive {pos_weight:.3}, negative {neg_weight:.3}"
    );
    let plain = BinaryCrossentropy::new(true, 0.0);
    let weighted = ClassWeightedCrossentropy::new(pos_weight, neg_weight);

    let names = ["BinaryCrossentropy", "ClassWeightedCrossentropy"];
    let (plain_model, plain_losses) = fit(&plain, names[0], &train)?;
    let (weighted_model, weighted_losses) = fit(&weighted, names[1], &train)?;
    print_losses(
        names,
        [
            &reported_losses(&plain_losses),
            &reported_losses(&weighted_losses),
        ],
    );

    let plain_scores = Scores::of(&plain_model, &test);
    let weighted_scores = Scores::of(&weighted_model, &test);
    print_scores(names, [&plain_scores, &weighted_scores]);
    print_comparison(&plain_scores, &weighted_scores);

    // Both runs start from the same all-zero model.
    let initial = Scores::of(&LogisticRegression::zeros(train.features.ncols()), &test).metrics();
    let runs = [
        training::Run {
            name: names[0],
            losses: &plain_losses,
            before: initial,
            after: plain_scores.metrics(),
        },
        training::Run {
            name: names[1],
            losses: &weighted_losses,
            before: initial,
            after: weighted_scores.metrics(),
        },
    ];
    let path = training::svg_path("imbalanced_wine");
    training::write_svg(&path, "Logistic regression on red wine quality >= 7", &runs)?;
    println!("\nloss curves and scores written to {}", path.display());
    Ok(())
}
