//! Per-pixel segmentation of handwritten digits in noisy images, trained once with the
//! shipped `BinaryCrossentropy` and once with the shipped `Dice`, and scored by the
//! mean intersection over union (IoU) of the predicted and the true masks.
//!
//! The data are the 1797 8x8 digits embedded in the `smartcore` crate, split at random
//! into a training and a test set. A pixel's target is 1 (ink) when its intensity in
//! the clean image is at least `INK_THRESHOLD`, and 0 otherwise. The model's input is
//! the image scaled to `[0, 1]` with seeded noise of standard deviation `NOISE_STD`
//! added to every pixel: a sum of twelve uniform numbers, which is close to Gaussian.
//!
//! The model is one 3x3 convolution followed by the logistic function. The logit of a
//! pixel is a weighted sum of the noisy pixel and its eight neighbours, plus a bias,
//! with the same ten parameters for every pixel. Pixels outside the image count as 0.
//!
//! Both runs start from all-zero parameters and use the same full-batch gradient
//! descent, so only the loss differs:
//!
//! - `BinaryCrossentropy::new(true, 0.0)` takes the logits, and its gradient is the
//!   gradient with respect to the logits.
//! - `Dice::default()`, with `smooth = 1`, takes probabilities, one flattened mask per
//!   image, so the run applies the sigmoid `p = σ(z)` first and multiplies the
//!   gradient by `dp/dz = p (1 − p)`.
//!
//! A pixel is predicted to be ink when its probability is at least 0.5. The example
//! prints the mean IoU on the test images before training, for the noisy image cut at
//! the same threshold as the clean one, and after each run, followed by the two learned
//! kernels.
//!
//! ```text
//! cargo run --release --example segment_digits
//! ```

#[path = "support/digits.rs"]
mod digits;
#[path = "support/training.rs"]
mod training;

use std::error::Error;

use digits::{Digits, PIXELS, SIDE, XorShift64};
use losses_core::prelude::*;
use ndarray::{Array1, Array2, Zip};

/// Seed of the split and the noise. xorshift needs a non-zero seed.
const SEED: u64 = 11;
/// Share of the images held out for testing.
const TEST_FRACTION: f64 = 0.25;
/// Intensity of a fully inked pixel in the data.
const MAX_INTENSITY: f64 = 16.0;
/// Lowest intensity, out of `MAX_INTENSITY`, of a pixel in the target mask.
const INK_THRESHOLD: f64 = 8.0;
/// Standard deviation of the noise, in units of `MAX_INTENSITY`.
const NOISE_STD: f64 = 0.5;
/// Positions of a pixel's 3x3 neighbourhood, as (row, column) offsets.
const NEIGHBOURHOOD: [(isize, isize); 9] = [
    (-1, -1),
    (-1, 0),
    (-1, 1),
    (0, -1),
    (0, 0),
    (0, 1),
    (1, -1),
    (1, 0),
    (1, 1),
];
const LEARNING_RATE: f64 = 5.0;
const EPOCHS: usize = 300;

/// Noisy images with their clean target masks.
struct Samples {
    /// The 3x3 neighbourhood of every pixel of `noisy`, shape `[images × 64, 9]`,
    /// image by image and pixel by pixel within an image.
    patches: Array2<f64>,
    /// Shape `[images, 64]`, 1.0 for ink and 0.0 for background.
    masks: Array2<f64>,
    /// Shape `[images, 64]`, the noisy input.
    noisy: Array2<f64>,
}

impl Samples {
    /// Builds the masks from the clean `digits`, and the input by adding noise drawn
    /// from `rng`.
    fn new(digits: &Digits, rng: &mut XorShift64) -> Self {
        let masks = digits
            .images
            .mapv(|intensity| if intensity >= INK_THRESHOLD { 1.0 } else { 0.0 });
        let noisy = digits
            .images
            .mapv(|intensity| intensity / MAX_INTENSITY + NOISE_STD * rng.standard_normal());
        Self {
            patches: patches(&noisy),
            masks,
            noisy,
        }
    }

    fn len(&self) -> usize {
        self.masks.nrows()
    }
}

/// Returns the 3x3 neighbourhood of every pixel of `images`, one row of 9 values per
/// pixel, with 0 for the positions outside the image.
fn patches(images: &Array2<f64>) -> Array2<f64> {
    let mut patches = Array2::zeros((images.nrows() * PIXELS, NEIGHBOURHOOD.len()));
    for (image_index, image) in images.rows().into_iter().enumerate() {
        for pixel in 0..PIXELS {
            let (row, column) = ((pixel / SIDE) as isize, (pixel % SIDE) as isize);
            let mut patch = patches.row_mut(image_index * PIXELS + pixel);
            for (slot, &(dr, dc)) in NEIGHBOURHOOD.iter().enumerate() {
                let (r, c) = (row + dr, column + dc);
                if (0..SIDE as isize).contains(&r) && (0..SIDE as isize).contains(&c) {
                    patch[slot] = image[r as usize * SIDE + c as usize];
                }
            }
        }
    }
    patches
}

/// A 3x3 convolution with one bias, shared by all pixels, whose output is a logit.
#[derive(Clone)]
struct Convolution {
    kernel: Array1<f64>,
    bias: f64,
}

impl Convolution {
    fn zeros() -> Self {
        Self {
            kernel: Array1::zeros(NEIGHBOURHOOD.len()),
            bias: 0.0,
        }
    }

    /// Returns the logits of every pixel, shape `[images, 64]`.
    fn logits(&self, samples: &Samples) -> Array2<f64> {
        let flat = samples.patches.dot(&self.kernel) + self.bias;
        flat.into_shape_with_order((samples.len(), PIXELS))
            .expect("one logit per pixel of every image")
    }

    /// Takes one gradient-descent step, given dL/dz for every pixel.
    fn step(&mut self, samples: &Samples, logit_grad: Array2<f64>) {
        // z = patches · kernel + bias for each pixel, so by the chain rule
        // dL/dkernel = patchesᵀ · dL/dz and dL/dbias = Σ dL/dz.
        let flat = logit_grad
            .into_shape_with_order(samples.len() * PIXELS)
            .expect("one gradient per pixel of every image");
        self.kernel
            .scaled_add(-LEARNING_RATE, &samples.patches.t().dot(&flat));
        self.bias -= LEARNING_RATE * flat.sum();
    }
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// Returns the binary cross-entropy of the masks and its gradient with respect to the
/// logits.
fn crossentropy_step(
    samples: &Samples,
    logits: &Array2<f64>,
) -> Result<(f64, Array2<f64>), LossError> {
    BinaryCrossentropy::new(true, 0.0).value_and_grad(&samples.masks, logits)
}

/// Returns the Dice loss of the masks and its gradient with respect to the logits.
fn dice_step(samples: &Samples, logits: &Array2<f64>) -> Result<(f64, Array2<f64>), LossError> {
    let probabilities = logits.mapv(sigmoid);
    let (value, mut grad) = Dice::default().value_and_grad(&samples.masks, &probabilities)?;
    // Dice takes p = σ(z), and dσ/dz = σ(z) (1 − σ(z)).
    Zip::from(&mut grad)
        .and(&probabilities)
        .for_each(|grad, &p| *grad *= p * (1.0 - p));
    Ok((value, grad))
}

/// Trains a convolution from all-zero parameters by full-batch gradient descent, with
/// `loss_step` returning the loss and its gradient with respect to the logits. Shows a
/// progress bar labelled `name` and returns the model with the training loss of every
/// epoch, each taken before that epoch's step.
fn fit(
    name: &str,
    samples: &Samples,
    loss_step: impl Fn(&Samples, &Array2<f64>) -> Result<(f64, Array2<f64>), LossError>,
) -> Result<(Convolution, Vec<f64>), LossError> {
    let mut model = Convolution::zeros();
    let mut losses = Vec::with_capacity(EPOCHS);
    let bar = training::progress_bar(name, EPOCHS);
    for _ in 0..EPOCHS {
        let (value, logit_grad) = loss_step(samples, &model.logits(samples))?;
        losses.push(value);
        bar.set_message(format!("{value:.4}"));
        bar.inc(1);
        model.step(samples, logit_grad);
    }
    bar.finish();
    Ok((model, losses))
}

/// Returns the mean over images of the IoU of `predicted` and `masks`, both 0/1 masks
/// of shape `[images, 64]`. Two empty masks count as a perfect match.
fn mean_iou(predicted: &Array2<f64>, masks: &Array2<f64>) -> f64 {
    let ious = Zip::from(predicted.rows())
        .and(masks.rows())
        .map_collect(|predicted, mask| {
            let intersection = predicted.dot(&mask);
            let union = predicted.sum() + mask.sum() - intersection;
            if union == 0.0 {
                1.0
            } else {
                intersection / union
            }
        });
    ious.mean().unwrap_or(f64::NAN)
}

/// Returns the mask of the pixels whose logit is at least 0, so whose probability is
/// at least 0.5.
fn predicted_mask(logits: &Array2<f64>) -> Array2<f64> {
    logits.mapv(|z| if z >= 0.0 { 1.0 } else { 0.0 })
}

/// Returns the share of the pixels of `masks` that are 1.
fn ink_share(masks: &Array2<f64>) -> f64 {
    masks.mean().unwrap_or(f64::NAN)
}

fn print_row(name: &str, loss: Option<f64>, predicted: &Array2<f64>, test: &Samples) {
    let loss = loss.map_or("-".to_string(), |loss| format!("{loss:.4}"));
    println!(
        "{name:<34}  {loss:>10}  {:>13.3}  {:>13.3}",
        ink_share(predicted),
        mean_iou(predicted, &test.masks)
    );
}

fn print_kernel(name: &str, model: &Convolution) {
    println!("{name} kernel, bias {:+.2}:", model.bias);
    for row in model.kernel.exact_chunks(3) {
        println!("    {:+6.2} {:+6.2} {:+6.2}", row[0], row[1], row[2]);
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut rng = XorShift64(SEED);
    let all = digits::load_digits()?;
    let (train_digits, test_digits) = digits::train_test_split(&all, TEST_FRACTION, &mut rng);
    let train = Samples::new(&train_digits, &mut rng);
    let test = Samples::new(&test_digits, &mut rng);
    println!(
        "digits: {} training images, {} test images; ink (intensity >= {INK_THRESHOLD} of \
         {MAX_INTENSITY}) is {:.1} % of the test pixels",
        train.len(),
        test.len(),
        100.0 * ink_share(&test.masks)
    );
    println!("input: intensity / {MAX_INTENSITY} plus noise of standard deviation {NOISE_STD}");

    let (crossentropy_model, crossentropy_losses) =
        fit("BinaryCrossentropy", &train, crossentropy_step)?;
    let (dice_model, dice_losses) = fit("Dice", &train, dice_step)?;

    println!(
        "\n3x3 convolution, {EPOCHS} epochs of gradient descent at learning rate \
         {LEARNING_RATE}; ink predicted where p >= 0.5"
    );
    println!(
        "{:<34}  {:>10}  {:>13}  {:>13}",
        "model", "train loss", "ink share", "test mean IoU"
    );
    // All-zero parameters give p = 0.5 everywhere, so every pixel is predicted ink.
    let before = predicted_mask(&Convolution::zeros().logits(&test));
    print_row("before training (all parameters 0)", None, &before, &test);
    let cut = INK_THRESHOLD / MAX_INTENSITY;
    let noisy_cut = test.noisy.mapv(|x| if x >= cut { 1.0 } else { 0.0 });
    print_row("noisy input >= threshold", None, &noisy_cut, &test);
    let runs = [
        (
            "BinaryCrossentropy",
            &crossentropy_model,
            crossentropy_losses.as_slice(),
        ),
        ("Dice", &dice_model, dice_losses.as_slice()),
    ];
    for (name, model, losses) in runs {
        print_row(
            name,
            losses.last().copied(),
            &predicted_mask(&model.logits(&test)),
            &test,
        );
    }

    println!();
    for (name, model, _) in runs {
        print_kernel(name, model);
    }
    write_report(&runs, &before, &test)
}

/// Writes the loss curves of `runs` and the test mean IoU before and after training as
/// an SVG image. `before` is the mask predicted by the all-zero model both runs start
/// from.
fn write_report(
    runs: &[(&str, &Convolution, &[f64])],
    before: &Array2<f64>,
    test: &Samples,
) -> Result<(), Box<dyn Error>> {
    let iou_before = mean_iou(before, &test.masks);
    let scored: Vec<training::ScoredRun<'_>> = runs
        .iter()
        .map(|&(name, model, losses)| training::ScoredRun {
            name,
            losses,
            scores: vec![training::Score {
                name: "test mean IoU",
                before: iou_before,
                after: mean_iou(&predicted_mask(&model.logits(test)), &test.masks),
            }],
        })
        .collect();
    let path = training::svg_path("segment_digits");
    let title = "Ink masks of noisy digits by a 3x3 convolution";
    training::write_scored_svg(&path, title, &scored, "test scores", "mean IoU")?;
    println!("\nloss curves and scores written to {}", path.display());
    Ok(())
}
