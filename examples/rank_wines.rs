//! Learning to rank with the shipped `ApproxNdcg`: a linear scorer orders lists of red
//! wines by quality, and is compared on held-out lists with the same scorer trained by
//! `MeanSquaredError` to regress the quality.
//!
//! The data are the 1599 red wines of the UCI wine quality data set, as embedded in the
//! `linfa-datasets` crate: 11 physico-chemical measurements and a quality score from 3
//! to 8. The wines are split at random into a training and a test set, and each set is
//! cut into lists of 20 wines by seeded shuffles. A wine's relevance in its list is its
//! quality minus the lowest quality in the data, so from 0 to 5.
//!
//! The scorer is `s = X w + b` on standardised features. Both runs start from the same
//! random weights and take full-batch gradient descent steps on the same training
//! lists. The scores of a batch of lists are `y_pred`, one row per list, and the
//! relevances are `y_true`. `value_and_grad` returns dL/ds, and the chain rule gives
//! dL/dw = Xᵀ dL/ds and dL/db = Σ dL/ds. The regression's target is the relevance,
//! which differs from the quality by a constant that the bias absorbs.
//!
//! The ranking quality is NDCG@10, computed exactly by sorting each held-out list by
//! score. On this data both trained scorers reach about the same mean NDCG@10, well
//! above the untrained one, and each ranks better than the other on many test lists.
//! The grades are ordered numbers, so regressing them already orders the wines, and a
//! linear scorer leaves ApproxNdcg little room to favour the top of each list.
//! ApproxNdcg depends only on the order of the scores and grows the weights to sharpen
//! its smooth ranks, so its scores are no estimate of the quality: see the test MSE.
//!
//! While training, a progress bar on the terminal shows the running loss. The loss
//! curves and the test NDCG before and after training are written as an SVG image to
//! `target/plots/rank_wines.svg`, or to the path given as the first argument.
//!
//! ```text
//! cargo run --release --example rank_wines
//! ```

#[path = "support/training.rs"]
mod training;
// The ranking uses the loader, the split and the standardisation of the shared wine
// module, not its classification scores.
#[allow(dead_code)]
#[path = "support/wine.rs"]
mod wine;

use std::cmp::Ordering;
use std::error::Error;

use losses_core::prelude::*;
use ndarray::{Array1, Array2, Axis};
use wine::{Samples, XorShift64};

/// Seed of the train/test split.
const SPLIT_SEED: u64 = 42;
/// Seeds of the initial weights and the training lists, and of the test lists. The
/// test lists have their own seed so that they stay the same when the training lists
/// change. xorshift needs non-zero seeds.
const TRAIN_SEED: u64 = 7;
const TEST_SEED: u64 = 11;
/// Share of the wines held out for testing.
const TEST_FRACTION: f64 = 0.2;
/// Wines per list.
const LIST_LEN: usize = 20;
/// Times each split is shuffled and cut into lists. Each wine appears once per round,
/// among different wines each time, and the few wines left over by a round's last full
/// list are left out of that round.
const TRAIN_ROUNDS: usize = 5;
const TEST_ROUNDS: usize = 10;
/// Positions of a list that NDCG counts.
const CUTOFF: usize = 10;
/// The initial weights are drawn uniformly from `[-INIT_SCALE, INIT_SCALE)`.
const INIT_SCALE: f64 = 0.1;
const EPOCHS: usize = 500;
/// Learning rates of the two runs. Their gradients differ in scale: `MeanSquaredError`
/// divides by the number of wines, `ApproxNdcg` by the number of lists.
const MSE_LEARNING_RATE: f64 = 0.05;
const NDCG_LEARNING_RATE: f64 = 1.0;

/// Lists of wines, `features` with one row per wine, list after list, and `relevance`
/// with one row per list.
struct Lists {
    features: Array2<f64>,
    relevance: Array2<f64>,
}

impl Lists {
    fn len(&self) -> usize {
        self.relevance.nrows()
    }
}

/// Cuts `samples` into lists of `LIST_LEN` wines, `rounds` times, each time after a
/// new shuffle. The labels of `samples` are quality scores, and a wine's relevance is
/// its quality minus `min_quality`.
fn draw_lists(samples: &Samples, min_quality: f64, rounds: usize, rng: &mut XorShift64) -> Lists {
    let lists_per_round = samples.len() / LIST_LEN;
    let mut rows = Vec::with_capacity(rounds * lists_per_round * LIST_LEN);
    for _ in 0..rounds {
        let order = shuffled_indices(samples.len(), rng);
        rows.extend_from_slice(&order[..lists_per_round * LIST_LEN]);
    }
    let relevance = samples.labels.select(Axis(0), &rows) - min_quality;
    let list_count = rows.len() / LIST_LEN;
    Lists {
        features: samples.features.select(Axis(0), &rows),
        relevance: relevance
            .into_shape_with_order((list_count, LIST_LEN))
            .expect("the rows fill whole lists"),
    }
}

/// Returns `0..len` in a random order, by a Fisher–Yates shuffle.
fn shuffled_indices(len: usize, rng: &mut XorShift64) -> Vec<usize> {
    let mut indices: Vec<usize> = (0..len).collect();
    for i in (1..len).rev() {
        indices.swap(i, rng.below(i + 1));
    }
    indices
}

/// A linear scorer: the score of a wine `x` is `s = w · x + b`.
#[derive(Clone)]
struct LinearScorer {
    weights: Array1<f64>,
    bias: f64,
}

impl LinearScorer {
    /// Creates a scorer with weights drawn from `[-INIT_SCALE, INIT_SCALE)` and bias 0.
    fn random(feature_count: usize, rng: &mut XorShift64) -> Self {
        Self {
            weights: Array1::from_shape_fn(feature_count, |_| INIT_SCALE * rng.symmetric_unit()),
            bias: 0.0,
        }
    }

    /// Returns the scores of `lists` with one row per list.
    fn scores(&self, lists: &Lists) -> Array2<f64> {
        let scores = lists.features.dot(&self.weights) + self.bias;
        scores
            .into_shape_with_order(lists.relevance.raw_dim())
            .expect("one score per wine")
    }

    /// Takes one gradient-descent step, given dL/ds for each wine of `lists`.
    fn step(&mut self, lists: &Lists, score_grad: &Array2<f64>, learning_rate: f64) {
        // s = Xw + b, so dL/dw = Xᵀ · dL/ds and dL/db = Σ dL/ds. The gradient's rows
        // are lists, and flattening them gives one entry per row of `lists.features`.
        let score_grad = score_grad.flatten();
        let weight_grad = lists.features.t().dot(&score_grad);
        self.weights.scaled_add(-learning_rate, &weight_grad);
        self.bias -= learning_rate * score_grad.sum();
    }
}

/// Trains `scorer` on `lists` by full-batch gradient descent on `loss`, showing a
/// progress bar labelled `name`, and returns the training loss.
///
/// # Errors
///
/// Returns the loss's error, or an error when the training loss stops being finite,
/// which a learning rate too large for the loss causes.
fn fit(
    name: &str,
    loss: &impl Loss<f64>,
    scorer: &mut LinearScorer,
    lists: &Lists,
    learning_rate: f64,
) -> Result<Fit, Box<dyn Error>> {
    let first = loss.value(&lists.relevance, &scorer.scores(lists))?;
    let mut losses = Vec::with_capacity(EPOCHS);
    let bar = training::progress_bar(name, EPOCHS);
    for epoch in 1..=EPOCHS {
        let (value, score_grad) = loss.value_and_grad(&lists.relevance, &scorer.scores(lists))?;
        losses.push(value);
        bar.set_message(format!("{value:.4}"));
        bar.inc(1);
        if !value.is_finite() {
            return Err(format!(
                "the training loss is {value} at epoch {epoch}; lower the learning rate \
                 {learning_rate}"
            )
            .into());
        }
        scorer.step(lists, &score_grad, learning_rate);
    }
    bar.finish();
    let last = loss.value(&lists.relevance, &scorer.scores(lists))?;
    Ok(Fit {
        first,
        last,
        losses,
    })
}

/// The training loss of a fit: before the first step, after the last step, and at every
/// epoch before its step.
struct Fit {
    first: f64,
    last: f64,
    losses: Vec<f64>,
}

/// Returns the NDCG of the first `cutoff` positions of a list ranked by `scores`, or
/// `None` when no item of the list is relevant.
///
/// The gain of an item is `2^relevance - 1` and the discount of position `k`, counted
/// from 1, is `1 / log2(k + 1)`, as in `ApproxNdcg`. Tied scores keep the list's order.
fn ndcg_at(cutoff: usize, relevance: &[f64], scores: &[f64]) -> Option<f64> {
    let mut by_score: Vec<usize> = (0..scores.len()).collect();
    by_score.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let dcg = discounted_gain(cutoff, by_score.iter().map(|&item| relevance[item]));

    let mut ideal = relevance.to_vec();
    ideal.sort_by(|a, b| b.total_cmp(a));
    let ideal_dcg = discounted_gain(cutoff, ideal.into_iter());
    (ideal_dcg > 0.0).then(|| dcg / ideal_dcg)
}

/// Returns the DCG of the first `cutoff` relevances of `ranked`.
fn discounted_gain(cutoff: usize, ranked: impl Iterator<Item = f64>) -> f64 {
    ranked
        .take(cutoff)
        .enumerate()
        .map(|(index, relevance)| (relevance.exp2() - 1.0) / (index as f64 + 2.0).log2())
        .sum()
}

/// Returns the NDCG@`CUTOFF` of `scorer` on each of `lists`, `None` for a list without
/// a relevant wine.
fn ndcgs(scorer: &LinearScorer, lists: &Lists) -> Vec<Option<f64>> {
    let scores = scorer.scores(lists);
    lists
        .relevance
        .rows()
        .into_iter()
        .zip(scores.rows())
        .map(|(relevance, scores)| {
            // Both arrays are freshly built in standard layout, so their rows are
            // contiguous.
            let relevance = relevance.to_slice().expect("a contiguous row");
            let scores = scores.to_slice().expect("a contiguous row");
            ndcg_at(CUTOFF, relevance, scores)
        })
        .collect()
}

/// Scores of one scorer on the test lists.
struct Evaluation {
    /// NDCG@`CUTOFF` of each list, `None` for a list without a relevant wine.
    ndcgs: Vec<Option<f64>>,
    approx_ndcg: f64,
    mse: f64,
}

impl Evaluation {
    fn of(scorer: &LinearScorer, test: &Lists) -> Result<Self, LossError> {
        let scores = scorer.scores(test);
        Ok(Self {
            ndcgs: ndcgs(scorer, test),
            approx_ndcg: ApproxNdcg::default().value(&test.relevance, &scores)?,
            mse: MeanSquaredError::new().value(&test.relevance, &scores)?,
        })
    }

    /// Returns the mean NDCG@`CUTOFF`, leaving out lists without a relevant wine.
    fn mean_ndcg(&self) -> f64 {
        let defined: Vec<f64> = self.ndcgs.iter().flatten().copied().collect();
        defined.iter().sum::<f64>() / defined.len() as f64
    }
}

fn print_counts(samples: &Samples, train: &Lists, test: &Lists, min_quality: f64) {
    let max_quality = samples.labels.fold(f64::NEG_INFINITY, |max, &q| max.max(q));
    println!(
        "red wines: {}, quality {min_quality} to {max_quality}, relevance = quality - {min_quality}",
        samples.len()
    );
    for (name, lists) in [("training", train), ("test", test)] {
        println!("{name} lists: {} of {LIST_LEN} wines", lists.len());
    }
}

fn print_table_header() {
    println!("\n{EPOCHS} epochs of full-batch gradient descent; test lists held out:");
    println!(
        "{:<32}  {:>21}  {:>9}  {:>15}  {:>8}",
        "scorer", "training loss", "test MSE", "test ApproxNdcg", "NDCG@10"
    );
}

/// Prints one row of the table, with the training loss before and after training, if
/// the scorer was trained.
fn print_table_row(name: &str, training_loss: Option<(f64, f64)>, evaluation: &Evaluation) {
    let training_loss = match training_loss {
        Some((first, last)) => format!("{first:.4} -> {last:.4}"),
        None => "-".to_string(),
    };
    println!(
        "{name:<32}  {training_loss:>21}  {:>9.4}  {:>15.4}  {:>8.4}",
        evaluation.mse,
        evaluation.approx_ndcg,
        evaluation.mean_ndcg()
    );
}

/// Prints on how many lists the `ndcg` scorer ranks better than the `mse` scorer, on
/// how many worse, and on how many equally well.
fn print_list_comparison(mse: &Evaluation, ndcg: &Evaluation) {
    let (mut better, mut worse, mut equal) = (0, 0, 0);
    for (mse, ndcg) in mse.ndcgs.iter().zip(&ndcg.ndcgs) {
        if let (Some(mse), Some(ndcg)) = (mse, ndcg) {
            match ndcg.total_cmp(mse) {
                Ordering::Greater => better += 1,
                Ordering::Less => worse += 1,
                Ordering::Equal => equal += 1,
            }
        }
    }
    println!(
        "
NDCG@{CUTOFF} per test list, ApproxNdcg against MeanSquaredError: \
         {better} better, {worse} worse, {equal} equal"
    );
}

fn main() -> Result<(), Box<dyn Error>> {
    let samples = wine::load_red_wine_quality()?;
    let (mut train, mut test) = wine::train_test_split(&samples, TEST_FRACTION, SPLIT_SEED);
    wine::standardise(&mut train, &mut test)?;

    // The lowest quality fixes the relevance scale. It is a property of the labels, so
    // taking it over all wines leaks nothing about the test features.
    let min_quality = samples.labels.fold(f64::INFINITY, |min, &q| min.min(q));
    let mut train_rng = XorShift64(TRAIN_SEED);
    let initial = LinearScorer::random(train.features.ncols(), &mut train_rng);
    let train_lists = draw_lists(&train, min_quality, TRAIN_ROUNDS, &mut train_rng);
    let test_lists = draw_lists(&test, min_quality, TEST_ROUNDS, &mut XorShift64(TEST_SEED));
    print_counts(&samples, &train_lists, &test_lists, min_quality);

    let mut mse_scorer = initial.clone();
    let mse_fit = fit(
        "MeanSquaredError",
        &MeanSquaredError::new(),
        &mut mse_scorer,
        &train_lists,
        MSE_LEARNING_RATE,
    )?;
    let mut ndcg_scorer = initial.clone();
    let ndcg_fit = fit(
        "ApproxNdcg",
        &ApproxNdcg::default(),
        &mut ndcg_scorer,
        &train_lists,
        NDCG_LEARNING_RATE,
    )?;

    let untrained = Evaluation::of(&initial, &test_lists)?;
    let mse_evaluation = Evaluation::of(&mse_scorer, &test_lists)?;
    let ndcg_evaluation = Evaluation::of(&ndcg_scorer, &test_lists)?;
    print_table_header();
    print_table_row("untrained (random weights)", None, &untrained);
    print_table_row(
        "trained with MeanSquaredError",
        Some((mse_fit.first, mse_fit.last)),
        &mse_evaluation,
    );
    print_table_row(
        "trained with ApproxNdcg",
        Some((ndcg_fit.first, ndcg_fit.last)),
        &ndcg_evaluation,
    );
    print_list_comparison(&mse_evaluation, &ndcg_evaluation);
    write_report(
        &untrained,
        [
            ("MeanSquaredError", &mse_fit, &mse_evaluation),
            ("ApproxNdcg", &ndcg_fit, &ndcg_evaluation),
        ],
    )
}

/// Writes the loss curves of both runs and their test mean NDCG@`CUTOFF` before and
/// after training as an SVG image. Both runs start from the `untrained` scorer.
fn write_report(
    untrained: &Evaluation,
    runs: [(&str, &Fit, &Evaluation); 2],
) -> Result<(), Box<dyn Error>> {
    let score_name = format!("test mean NDCG@{CUTOFF}");
    let scored: Vec<training::ScoredRun<'_>> = runs
        .iter()
        .map(|&(name, fit, evaluation)| training::ScoredRun {
            name,
            losses: &fit.losses,
            scores: vec![training::Score {
                name: &score_name,
                before: untrained.mean_ndcg(),
                after: evaluation.mean_ndcg(),
            }],
        })
        .collect();
    let path = training::svg_path("rank_wines");
    let title = "Linear ranking of red wines by quality";
    training::write_scored_svg(&path, title, &scored, "test scores", "NDCG")?;
    println!("\nloss curves and scores written to {}", path.display());
    Ok(())
}
