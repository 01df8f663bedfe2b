//! The workspace's root package. It has no API of its own: it exists so that the
//! `tests/` and `examples/` folders at the top of the workspace build against
//! `losses-core`, as a user's crate would.

/// Compiles and runs the README's Rust example as a doc test, so that the first code a
/// reader sees stays correct.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExample;
