//! The red wine quality data, its seeded train/test split and standardisation, and the
//! positive-class scores, for the examples that classify good wines or rank wines by
//! quality.
//!
//! The data are the 1599 red wines of the UCI wine quality data set, as embedded in the
//! `linfa-datasets` crate. A wine is positive when its quality score is at least
//! [`MIN_POSITIVE_QUALITY`], which holds for about one wine in seven.

use std::error::Error;

use ndarray::{Array1, Array2, Axis};

/// Lowest quality score of the positive class.
pub const MIN_POSITIVE_QUALITY: usize = 7;

/// Wines as rows of `features`, with one label per wine: 1.0 (positive) or 0.0 from
/// [`load_red_wine`], the quality score from [`load_red_wine_quality`].
pub struct Samples {
    pub features: Array2<f64>,
    pub labels: Array1<f64>,
}

impl Samples {
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn positive_count(&self) -> usize {
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
pub fn load_red_wine() -> Result<Samples, Box<dyn Error>> {
    let mut samples = load_red_wine_quality()?;
    let min_positive = MIN_POSITIVE_QUALITY as f64;
    samples
        .labels
        .mapv_inplace(|quality| if quality >= min_positive { 1.0 } else { 0.0 });
    Ok(samples)
}

/// Loads the red wines, labelled with their quality score: a whole number on a scale of
/// 0 to 10, from 3 to 8 in this data.
pub fn load_red_wine_quality() -> Result<Samples, Box<dyn Error>> {
    // linfa-datasets 0.8 returns ndarray 0.16 arrays, a different type from this
    // workspace's ndarray 0.17, so the values cross over as a row-major `Vec`.
    let dataset = linfa_datasets::winequality();
    let shape = (dataset.records.nrows(), dataset.records.ncols());
    let values: Vec<f64> = dataset.records.iter().copied().collect();
    let labels = dataset
        .targets
        .iter()
        .map(|&quality| quality as f64)
        .collect();
    Ok(Samples {
        features: Array2::from_shape_vec(shape, values)?,
        labels,
    })
}

/// The xorshift64 generator with shifts 13, 7 and 17: reproducible without a
/// dependency on `rand`. The seed must not be 0.
pub struct XorShift64(pub u64);

impl XorShift64 {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Returns an index in `0..bound`. The modulo bias is at most `bound / 2⁶⁴`.
    pub fn below(&mut self, bound: usize) -> usize {
        (self.next_u64() % bound as u64) as usize
    }

    /// Returns a number in `[-1, 1)` from the top 53 bits of the next output.
    pub fn symmetric_unit(&mut self) -> f64 {
        let unit = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        2.0 * unit - 1.0
    }
}

/// Splits `samples` at random into a training and a test set by a seeded Fisher–Yates
/// shuffle. The split is not stratified, so the share of positives differs a little
/// between the two.
pub fn train_test_split(samples: &Samples, test_fraction: f64, seed: u64) -> (Samples, Samples) {
    let mut rng = XorShift64(seed);
    let mut order: Vec<usize> = (0..samples.len()).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i + 1));
    }
    let test_len = (test_fraction * order.len() as f64).round() as usize;
    let (test_rows, train_rows) = order.split_at(test_len);
    (samples.select(train_rows), samples.select(test_rows))
}

/// Rescales every feature to mean 0 and standard deviation 1 over the training set, and
/// applies the same map to the test set, so that no test statistic leaks into training.
pub fn standardise(train: &mut Samples, test: &mut Samples) -> Result<(), Box<dyn Error>> {
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
pub fn balanced_class_weights(train: &Samples) -> (f64, f64) {
    let total = train.len() as f64;
    let positives = train.positive_count() as f64;
    let negatives = total - positives;
    (total / (2.0 * positives), total / (2.0 * negatives))
}

/// Counts of positive-class outcomes on a test set.
#[derive(Clone, Copy, Default)]
pub struct Scores {
    pub true_positives: usize,
    pub false_positives: usize,
    pub false_negatives: usize,
}

impl Scores {
    /// Counts the outcomes of predicting positive where `predicted` is true, against
    /// 0/1 `labels`.
    pub fn of(predicted: impl IntoIterator<Item = bool>, labels: &Array1<f64>) -> Self {
        let mut scores = Scores::default();
        for (positive, &label) in predicted.into_iter().zip(labels) {
            match (positive, label == 1.0) {
                (true, true) => scores.true_positives += 1,
                (true, false) => scores.false_positives += 1,
                (false, true) => scores.false_negatives += 1,
                (false, false) => {}
            }
        }
        scores
    }

    pub fn precision(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_positives,
        )
    }

    pub fn recall(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_negatives,
        )
    }

    pub fn f1(&self) -> f64 {
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

pub fn print_counts(all: &Samples, train: &Samples, test: &Samples) {
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

/// Prints the precision, recall, F1 and counts of each named run.
pub fn print_scores(threshold: f64, runs: &[(&str, Scores)]) {
    println!("\ntest split, positive class, predicted positive when sigmoid(z) >= {threshold}:");
    println!(
        "{:<26}  {:>9}  {:>6}  {:>6}  {:>4}  {:>4}  {:>4}",
        "loss", "precision", "recall", "F1", "TP", "FP", "FN"
    );
    for (name, score) in runs {
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

/// Prints how the positive-class scores moved from the `plain` run to the `weighted` one.
pub fn print_comparison(plain: &Scores, weighted: &Scores) {
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
