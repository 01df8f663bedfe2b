//! The 8x8 handwritten digits, their seeded train/test split and a seeded random
//! number generator, for the examples that train on the digits.
//!
//! The data are the 1797 images from the UCI "Optical Recognition of Handwritten
//! Digits" data set that the `smartcore` crate embeds (feature `datasets`). Each image
//! is a row of 64 pixel intensities, row by row from the top left, with whole values
//! from 0 (background) to 16 (ink).
//!
//! Each example includes this file with `#[path = "support/digits.rs"] mod digits;`.

use std::error::Error;

use ndarray::{Array2, Axis};

/// Width and height of an image in pixels.
pub const SIDE: usize = 8;
/// Pixels in an image, the length of an image's row.
pub const PIXELS: usize = SIDE * SIDE;

/// Images as rows of `images`, with the digit that each one shows.
pub struct Digits {
    pub images: Array2<f64>,
    pub labels: Vec<usize>,
}

impl Digits {
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Returns the images at `rows`, in that order.
    fn select(&self, rows: &[usize]) -> Digits {
        Digits {
            images: self.images.select(Axis(0), rows),
            labels: rows.iter().map(|&row| self.labels[row]).collect(),
        }
    }
}

/// Loads the 1797 digits with their raw intensities.
pub fn load_digits() -> Result<Digits, Box<dyn Error>> {
    // smartcore 0.7 stores the data as one row-major `Vec<f32>` and the digits as
    // `f32`. Its `feature_names` and `target_names` for this data set are those of the
    // iris data, so they are not used.
    let dataset = smartcore::dataset::digits::load_dataset();
    if dataset.num_features != PIXELS {
        let found = dataset.num_features;
        return Err(format!("expected {PIXELS} pixels per digit, found {found}").into());
    }
    let values = dataset.data.iter().map(|&value| f64::from(value)).collect();
    let images = Array2::from_shape_vec((dataset.num_samples, PIXELS), values)?;
    let labels = dataset.target.iter().map(|&digit| digit as usize).collect();
    Ok(Digits { images, labels })
}

/// Splits `digits` at random into a training and a test set, holding out
/// `test_fraction` of the images. The split is not stratified.
pub fn train_test_split(
    digits: &Digits,
    test_fraction: f64,
    rng: &mut XorShift64,
) -> (Digits, Digits) {
    let order = rng.shuffled_indices(digits.len());
    let test_len = (test_fraction * order.len() as f64).round() as usize;
    let (test_rows, train_rows) = order.split_at(test_len);
    (digits.select(train_rows), digits.select(test_rows))
}

/// The xorshift64 generator with shifts 13, 7 and 17, which makes the examples
/// reproducible without a dependency on `rand`. The seed must not be 0.
pub struct XorShift64(pub u64);

impl XorShift64 {
    fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Returns an index in `0..bound`. The modulo bias is at most `bound / 2⁶⁴`.
    pub fn below(&mut self, bound: usize) -> usize {
        (self.next_u64() % bound as u64) as usize
    }

    /// Returns a number drawn uniformly from `[0, 1)`, from the top 53 bits.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Returns a number with mean 0 and standard deviation 1 whose distribution is
    /// close to the normal: the sum of 12 uniform numbers, minus 6. Its values stay
    /// within ±6.
    pub fn standard_normal(&mut self) -> f64 {
        (0..12).map(|_| self.uniform()).sum::<f64>() - 6.0
    }

    /// Returns `0..len` in a random order, by a Fisher–Yates shuffle.
    fn shuffled_indices(&mut self, len: usize) -> Vec<usize> {
        let mut indices: Vec<usize> = (0..len).collect();
        for i in (1..len).rev() {
            indices.swap(i, self.below(i + 1));
        }
        indices
    }
}
