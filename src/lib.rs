//! The workspace's root package. It has no API of its own: it exists so that the
//! `tests/` and `examples/` folders at the top of the workspace build against
//! `losses-core`, as a user's crate would.
