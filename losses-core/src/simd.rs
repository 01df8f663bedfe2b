//! Run-time choice of the instruction set that the batch drivers run on.
//!
//! The hot loops of the drivers are compiled once for each [`Level`] with
//! `#[target_feature]`, and each call runs the best level the CPU supports. So a default
//! build, without `RUSTFLAGS`, uses AVX-512 on a CPU that has it. Every level computes
//! the same bits, for three reasons. The kernels never fuse a multiply and an add. Their
//! `f32` math functions are polynomials in this crate rather than libm calls. And the
//! order of every sum is fixed by the element count, never by the vector width.
//!
//! [`with_level`] runs code at a chosen level, which tests and benchmarks use to compare
//! levels.

use std::cell::Cell;
use std::fmt;
use std::sync::OnceLock;

/// An instruction set for the batch drivers' loops.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Level {
    /// One element per iteration, through a function call that the loop cannot
    /// vectorise: the reference that every other level must match bit for bit.
    Scalar,
    /// The build's baseline x86-64 target: SSE2 unless `RUSTFLAGS` raise it.
    Sse2,
    /// x86-64-v3: AVX2, FMA, BMI1, BMI2 and LZCNT.
    Avx2,
    /// x86-64-v4: AVX-512 F, BW, CD, DQ and VL, with everything in `Avx2`.
    Avx512,
    /// The build's baseline aarch64 target, which always includes NEON.
    Neon,
}

impl Level {
    /// Every level, from the slowest to the fastest.
    pub const ALL: [Level; 5] = [
        Level::Scalar,
        Level::Sse2,
        Level::Neon,
        Level::Avx2,
        Level::Avx512,
    ];

    /// Returns whether this CPU and build can run the level.
    pub fn is_supported(self) -> bool {
        match self {
            Level::Scalar => true,
            Level::Sse2 => cfg!(target_arch = "x86_64"),
            Level::Neon => cfg!(target_arch = "aarch64"),
            Level::Avx2 => x86::has_avx2(),
            Level::Avx512 => x86::has_avx512(),
        }
    }

    /// Returns the fastest level this CPU supports, detected once and cached.
    pub fn best() -> Level {
        static BEST: OnceLock<Level> = OnceLock::new();
        *BEST.get_or_init(|| {
            Level::ALL
                .into_iter()
                .rev()
                .find(|level| level.is_supported())
                .unwrap_or(Level::Scalar)
        })
    }

    /// Returns the level that drivers called from this thread use: the one set by an
    /// enclosing [`with_level`], or else [`Level::best`].
    pub fn current() -> Level {
        FORCED.with(Cell::get).unwrap_or_else(Level::best)
    }
}

thread_local! {
    static FORCED: Cell<Option<Level>> = const { Cell::new(None) };
}

/// The error of [`with_level`] for a level that this CPU or build cannot run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnsupportedLevel(pub Level);

impl fmt::Display for UnsupportedLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the instruction set level {:?} is not supported on this CPU or target; \
             check `Level::is_supported` first",
            self.0
        )
    }
}

impl std::error::Error for UnsupportedLevel {}

/// Runs `f` with every batch driver that it calls on this thread at `level`, and
/// returns its result. Work that a driver hands to other threads runs at the same
/// level.
///
/// # Errors
///
/// Returns [`UnsupportedLevel`], without calling `f`, when the CPU or build cannot run
/// `level`.
pub fn with_level<R>(level: Level, f: impl FnOnce() -> R) -> Result<R, UnsupportedLevel> {
    if !level.is_supported() {
        return Err(UnsupportedLevel(level));
    }

    /// Restores the previous level when `f` returns or unwinds.
    struct Restore(Option<Level>);
    impl Drop for Restore {
        fn drop(&mut self) {
            FORCED.with(|forced| forced.set(self.0));
        }
    }

    let _restore = Restore(FORCED.with(|forced| forced.replace(Some(level))));
    Ok(f())
}

/// A level that this CPU supports. Only [`SupportedLevel::current`] creates one, so
/// holding one proves that its target features may be executed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SupportedLevel(Level);

impl SupportedLevel {
    /// Returns [`Level::current`], which is always supported: [`with_level`] rejects
    /// the others and [`Level::best`] detects.
    pub(crate) fn current() -> Self {
        SupportedLevel(Level::current())
    }
}

/// Work whose loops should be compiled for each level: [`run`] calls `run` inside a
/// function with the level's target features. `run` and everything it calls in its hot
/// loops must be `#[inline(always)]`: a function that is not inlined is compiled
/// without those features.
pub(crate) trait Job {
    /// The result of the work.
    type Output;

    /// Does the work. `scalar` requests one element per iteration through a call that
    /// the loop cannot vectorise, as [`Level::Scalar`] defines.
    fn run(self, scalar: bool) -> Self::Output;
}

/// Runs `job` at `level`.
pub(crate) fn run<J: Job>(level: SupportedLevel, job: J) -> J::Output {
    match level.0 {
        Level::Scalar => job.run(true),
        #[cfg(target_arch = "x86_64")]
        // SAFETY: a `SupportedLevel` of `Avx512` exists only after `x86::has_avx512`
        // returned true, which detects every feature that `x86::avx512` enables.
        Level::Avx512 => unsafe { x86::avx512(job) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above, with `x86::has_avx2` and the features of `x86::avx2`.
        Level::Avx2 => unsafe { x86::avx2(job) },
        _ => job.run(false),
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::Job;

    pub(super) fn has_avx2() -> bool {
        is_x86_feature_detected!("avx2")
            && is_x86_feature_detected!("fma")
            && is_x86_feature_detected!("bmi1")
            && is_x86_feature_detected!("bmi2")
            && is_x86_feature_detected!("lzcnt")
    }

    pub(super) fn has_avx512() -> bool {
        has_avx2()
            && is_x86_feature_detected!("avx512f")
            && is_x86_feature_detected!("avx512bw")
            && is_x86_feature_detected!("avx512cd")
            && is_x86_feature_detected!("avx512dq")
            && is_x86_feature_detected!("avx512vl")
    }

    #[target_feature(enable = "avx2,fma,bmi1,bmi2,lzcnt")]
    pub(super) fn avx2<J: Job>(job: J) -> J::Output {
        job.run(false)
    }

    #[target_feature(
        enable = "avx2,fma,bmi1,bmi2,lzcnt,avx512f,avx512bw,avx512cd,avx512dq,avx512vl"
    )]
    pub(super) fn avx512<J: Job>(job: J) -> J::Output {
        job.run(false)
    }
}

#[cfg(not(target_arch = "x86_64"))]
mod x86 {
    pub(super) fn has_avx2() -> bool {
        false
    }

    pub(super) fn has_avx512() -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn best_level_is_supported() {
        assert!(Level::best().is_supported());
    }

    #[test]
    fn with_level_sets_and_restores() {
        let outer = Level::current();
        let inner = with_level(Level::Scalar, Level::current).unwrap();
        assert_eq!(inner, Level::Scalar);
        assert_eq!(Level::current(), outer);
    }

    #[test]
    fn with_level_rejects_unsupported() {
        let unsupported = Level::ALL.into_iter().find(|level| !level.is_supported());
        if let Some(level) = unsupported {
            assert_eq!(with_level(level, || ()), Err(UnsupportedLevel(level)));
        }
    }
}
