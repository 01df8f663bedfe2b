//! A siamese linear embedding of handwritten digits, learned with a contrastive loss of
//! two inputs. The distance between the embeddings of two held-out images predicts
//! whether they show the same digit, and the example reports the accuracy of that
//! prediction.
//!
//! The data are the 1797 8x8 digits embedded in the `smartcore` crate. The images are
//! split at random into a training and a test set, and the 64 pixels are standardised
//! with the training set's statistics. Pairs of images are drawn with a fixed seed
//! within each set, half of them showing the same digit. The embedding is a linear map
//! `e = x W` from the 64 pixels to `EMBEDDING_DIM` numbers, learned by full-batch
//! gradient descent on the contrastive loss of the training pairs.
//!
//! The loss is the shipped `ContrastiveLoss`, `y d² + (1 − y) max(margin − d, 0)²` for
//! the distance `d` between the two embeddings and the label `y`, 1 for the same digit.
//! It is a loss of two inputs: `value_and_grad` returns the gradient with respect to
//! each of the two embeddings of a pair, and the chain rule through `e = x W`, which
//! both images share, adds them into the gradient of `W`.
//!
//! Two images are predicted to show the same digit when their embeddings lie closer
//! than a threshold, chosen as the one with the best accuracy on the training pairs.
//! The example prints the accuracy of that prediction on the test pairs for the random
//! initial `W` and for the trained one.
//!
//! While training, a progress bar on the terminal shows the running loss. The loss
//! curve and the accuracies before and after training are written as an SVG image to
//! `target/plots/siamese_digits.svg`, or to the path given as the first argument.
//!
//! ```text
//! cargo run --release --example siamese_digits
//! ```

#[path = "support/digits.rs"]
mod digits;
#[path = "support/training.rs"]
mod training;

use std::error::Error;

use digits::{Digits, PIXELS, XorShift64};
use losses_core::prelude::*;
use ndarray::{Array1, Array2, Axis};

/// Seed of the split, the pairs and the initial weights. xorshift needs a non-zero
/// seed.
const SEED: u64 = 7;
/// Share of the images held out for testing.
const TEST_FRACTION: f64 = 0.25;
const TRAIN_PAIRS: usize = 4000;
const TEST_PAIRS: usize = 2000;
/// Length of an embedding.
const EMBEDDING_DIM: usize = 8;
/// Distance beyond which a pair of different digits adds no loss.
const MARGIN: f64 = 2.0;
const LEARNING_RATE: f64 = 0.1;
const EPOCHS: usize = 300;

/// Pairs of images as the rows of `first` and `second`, labelled 1.0 when both show
/// the same digit and 0.0 otherwise.
struct Pairs {
    first: Array2<f64>,
    second: Array2<f64>,
    labels: Array1<f64>,
}

impl Pairs {
    fn len(&self) -> usize {
        self.labels.len()
    }

    fn same_count(&self) -> usize {
        self.labels.iter().filter(|&&label| label == 1.0).count()
    }
}

/// Draws `count` pairs of distinct images from `digits`: the even-numbered pairs show
/// the same digit and the odd-numbered ones two different digits.
fn draw_pairs(digits: &Digits, count: usize, rng: &mut XorShift64) -> Pairs {
    let mut rows_of_digit = vec![Vec::new(); 10];
    for (row, &label) in digits.labels.iter().enumerate() {
        rows_of_digit[label].push(row);
    }
    let mut first = Vec::with_capacity(count);
    let mut second = Vec::with_capacity(count);
    let mut labels = Array1::zeros(count);
    for pair in 0..count {
        let row = rng.below(digits.len());
        let digit = digits.labels[row];
        let same = pair % 2 == 0;
        // Draws until the partner fits. This ends because each split has about 130
        // images of every digit.
        let partner = loop {
            let candidate = if same {
                let rows = &rows_of_digit[digit];
                rows[rng.below(rows.len())]
            } else {
                rng.below(digits.len())
            };
            let matches = digits.labels[candidate] == digit;
            if candidate != row && matches == same {
                break candidate;
            }
        };
        first.push(row);
        second.push(partner);
        labels[pair] = if same { 1.0 } else { 0.0 };
    }
    Pairs {
        first: digits.images.select(Axis(0), &first),
        second: digits.images.select(Axis(0), &second),
        labels,
    }
}

/// Rescales every pixel to mean 0 and standard deviation 1 over the training images,
/// and applies the same map to the test images.
fn standardise(train: &mut Digits, test: &mut Digits) -> Result<(), Box<dyn Error>> {
    let mean = train
        .images
        .mean_axis(Axis(0))
        .ok_or("the training set is empty")?;
    // Some border pixels, such as the top left one, are 0 in every image. They keep a
    // scale of 1, as in scikit-learn's `StandardScaler`, and so stay 0 instead of NaN.
    let std = train
        .images
        .std_axis(Axis(0), 0.0)
        .mapv(|std| if std > 0.0 { std } else { 1.0 });
    for images in [&mut train.images, &mut test.images] {
        *images -= &mean;
        *images /= &std;
    }
    Ok(())
}

/// A linear embedding `e = x W` of an image `x`, a row of 64 standardised pixels.
#[derive(Clone)]
struct LinearEmbedding {
    weights: Array2<f64>,
}

impl LinearEmbedding {
    /// Creates a random map with weights of standard deviation `1 / √64`, so that an
    /// embedding's numbers have about the spread of the standardised pixels.
    fn random(rng: &mut XorShift64) -> Self {
        let scale = 1.0 / (PIXELS as f64).sqrt();
        let weights =
            Array2::from_shape_simple_fn((PIXELS, EMBEDDING_DIM), || scale * rng.standard_normal());
        Self { weights }
    }

    fn embed(&self, images: &Array2<f64>) -> Array2<f64> {
        images.dot(&self.weights)
    }

    /// Returns the Euclidean distance between the embeddings of each pair.
    fn distances(&self, pairs: &Pairs) -> Array1<f64> {
        let difference = self.embed(&pairs.first) - self.embed(&pairs.second);
        difference.map_axis(Axis(1), |row| row.dot(&row).sqrt())
    }

    /// Takes one gradient-descent step on the loss of `pairs` and returns the loss
    /// before the step.
    fn step(&mut self, loss: &ContrastiveLoss, pairs: &Pairs) -> Result<f64, LossError> {
        let (value, grad_first, grad_second) = loss.value_and_grad(
            &pairs.labels,
            &self.embed(&pairs.first),
            &self.embed(&pairs.second),
        )?;
        // Both embeddings of a pair come from the same W: e1 = x1 W and e2 = x2 W,
        // so dL/dW = x1ᵀ dL/de1 + x2ᵀ dL/de2.
        let mut weight_grad = pairs.first.t().dot(&grad_first);
        weight_grad += &pairs.second.t().dot(&grad_second);
        self.weights.scaled_add(-LEARNING_RATE, &weight_grad);
        Ok(value)
    }
}

/// Returns the distance threshold with the best accuracy on `pairs`: a pair closer
/// than it is predicted to show the same digit. The threshold lies halfway between
/// two neighbouring distances.
fn best_threshold(distances: &Array1<f64>, pairs: &Pairs) -> f64 {
    let mut order: Vec<usize> = (0..pairs.len()).collect();
    order.sort_by(|&a, &b| distances[a].total_cmp(&distances[b]));

    // Below the smallest distance every pair is predicted different, which is right
    // for the pairs of different digits. Each step past a distance turns one pair's
    // prediction to "same", which is right or wrong depending on its label.
    let mut correct = (pairs.len() - pairs.same_count()) as isize;
    let mut best = (correct, distances[order[0]] / 2.0);
    for (position, &pair) in order.iter().enumerate() {
        correct += if pairs.labels[pair] == 1.0 { 1 } else { -1 };
        let next = order
            .get(position + 1)
            .map_or(distances[pair] + 1.0, |&next| distances[next]);
        // Equal distances are passed together, because no threshold lies between them.
        if correct > best.0 && next > distances[pair] {
            best = (correct, (distances[pair] + next) / 2.0);
        }
    }
    best.1
}

/// Returns the share of `pairs` whose prediction from `threshold` is right.
fn accuracy(distances: &Array1<f64>, pairs: &Pairs, threshold: f64) -> f64 {
    let correct = distances
        .iter()
        .zip(&pairs.labels)
        .filter(|&(&distance, &label)| (distance < threshold) == (label == 1.0))
        .count();
    correct as f64 / pairs.len() as f64
}

/// The scores of an embedding, printed as one row of the table.
struct Scores {
    train_loss: f64,
    threshold: f64,
    train_accuracy: f64,
    test_accuracy: f64,
}

impl Scores {
    fn of(
        embedding: &LinearEmbedding,
        loss: &ContrastiveLoss,
        train: &Pairs,
        test: &Pairs,
    ) -> Result<Self, LossError> {
        let first = embedding.embed(&train.first);
        let second = embedding.embed(&train.second);
        let train_loss = loss.value(&train.labels, &first, &second)?;
        let train_distances = embedding.distances(train);
        let threshold = best_threshold(&train_distances, train);
        Ok(Self {
            train_loss,
            threshold,
            train_accuracy: accuracy(&train_distances, train, threshold),
            test_accuracy: accuracy(&embedding.distances(test), test, threshold),
        })
    }
}

fn print_counts(train: &Digits, test: &Digits, train_pairs: &Pairs, test_pairs: &Pairs) {
    println!(
        "digits: {} training images, {} test images",
        train.len(),
        test.len()
    );
    for (name, pairs) in [("training", train_pairs), ("test", test_pairs)] {
        println!(
            "{name} pairs: {}, {} of the same digit",
            pairs.len(),
            pairs.same_count()
        );
    }
}

fn print_scores(rows: [(&str, &Scores); 2]) {
    println!(
        "\nembedding 64 -> {EMBEDDING_DIM}, contrastive loss with margin {MARGIN}, \
         {EPOCHS} epochs of gradient descent at learning rate {LEARNING_RATE}"
    );
    println!("\"same digit?\" predicted when the distance is below the threshold:");
    println!(
        "{:<18}  {:>10}  {:>9}  {:>14}  {:>13}",
        "W", "train loss", "threshold", "train accuracy", "test accuracy"
    );
    for (name, scores) in rows {
        println!(
            "{name:<18}  {:>10.4}  {:>9.3}  {:>14.3}  {:>13.3}",
            scores.train_loss, scores.threshold, scores.train_accuracy, scores.test_accuracy
        );
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut rng = XorShift64(SEED);
    let all = digits::load_digits()?;
    let (mut train, mut test) = digits::train_test_split(&all, TEST_FRACTION, &mut rng);
    standardise(&mut train, &mut test)?;
    let train_pairs = draw_pairs(&train, TRAIN_PAIRS, &mut rng);
    let test_pairs = draw_pairs(&test, TEST_PAIRS, &mut rng);
    print_counts(&train, &test, &train_pairs, &test_pairs);

    let loss = ContrastiveLoss::new(MARGIN);
    let initial = LinearEmbedding::random(&mut rng);
    let before = Scores::of(&initial, &loss, &train_pairs, &test_pairs)?;
    let mut trained = initial.clone();
    let mut losses = Vec::with_capacity(EPOCHS);
    let bar = training::progress_bar("ContrastiveLoss", EPOCHS);
    for _ in 0..EPOCHS {
        let value = trained.step(&loss, &train_pairs)?;
        losses.push(value);
        bar.set_message(format!("{value:.4}"));
        bar.inc(1);
    }
    bar.finish();
    let after = Scores::of(&trained, &loss, &train_pairs, &test_pairs)?;

    print_scores([("random (before)", &before), ("trained (after)", &after)]);
    write_report(&losses, &before, &after)
}

/// Writes the loss curve and the accuracies before and after training as an SVG image.
fn write_report(losses: &[f64], before: &Scores, after: &Scores) -> Result<(), Box<dyn Error>> {
    let score = |name, pick: fn(&Scores) -> f64| training::Score {
        name,
        before: pick(before),
        after: pick(after),
    };
    let run = training::ScoredRun {
        name: "ContrastiveLoss",
        losses,
        scores: vec![
            score("train accuracy", |scores| scores.train_accuracy),
            score("test accuracy", |scores| scores.test_accuracy),
        ],
    };
    let path = training::svg_path("siamese_digits");
    let title = "Siamese embedding of digits: same digit if closer than a threshold";
    training::write_scored_svg(&path, title, &[run], "pair accuracy", "accuracy")?;
    println!("\nloss curve and accuracies written to {}", path.display());
    Ok(())
}
