//! The trait through which `#[loss]` bodies call `#[differentiable]` helpers.

use crate::KernelError;

/// The forward and reverse functions of a `#[differentiable]` helper, called with the
/// helper's arguments as one tuple `Args` of per-sample type `V`.
///
/// `#[differentiable]` implements it on the hidden type named like the helper, once
/// for the helper's own parameters and once with a body that never runs for every
/// other argument count up to 12. A call with the wrong number of arguments then still
/// type-checks in the generated code, and rustc reports it once, on the call in the
/// user's own function, which the macros keep.
#[diagnostic::on_unimplemented(
    message = "the `#[differentiable]` helper `{Self}` does not take arguments of types `{Args}`",
    label = "the arguments do not match the helper's parameters",
    note = "a helper takes floats of the loss's float type and `bool`s, as its signature lists them"
)]
pub trait Differentiable<Args, V> {
    /// `[V; N]` for `N` arguments: the adjoint of each argument, 0 for a `bool`.
    type Adjoints;

    /// Returns the helper's value.
    fn forward(args: Args) -> V;

    /// Returns the adjoints of the arguments for the adjoint `seed` of the helper's value.
    fn reverse(args: Args, seed: V) -> Self::Adjoints;
}

/// The forward and reverse functions of a `#[differentiable]` helper that takes rows
/// `&[V]`, called with the helper's arguments as one tuple `Args`.
///
/// Reading a row out of bounds is an error, so both functions return a `Result`. The
/// reverse function adds the adjoint of each row element through `accumulate`, called
/// as `accumulate(argument, index, adjoint)`. The caller maps the argument's position to
/// its gradient, so a row passed twice, as in `dot(x, x)`, collects both contributions
/// in one gradient, and nothing is allocated.
#[diagnostic::on_unimplemented(
    message = "the `#[differentiable]` helper `{Self}` does not take arguments of types `{Args}`",
    label = "the arguments do not match the helper's parameters",
    note = "a helper takes rows `&[T]`, floats of the loss's float type and `bool`s, as its signature lists them"
)]
pub trait DifferentiableRows<Args, V> {
    /// `[V; N]` for `N` arguments: the adjoint of each float argument, 0 for a `bool`
    /// or a row.
    type Adjoints;

    /// Returns the helper's value.
    ///
    /// # Errors
    ///
    /// Returns [`KernelError`] when the helper reads a row out of bounds.
    fn forward(args: Args) -> Result<V, KernelError>;

    /// Adds the adjoints of the rows' elements through `accumulate` and returns the
    /// adjoints of the other arguments, for the adjoint `seed` of the helper's value.
    ///
    /// # Errors
    ///
    /// Returns [`KernelError`] when the helper reads a row out of bounds.
    fn reverse<F: FnMut(usize, usize, V)>(
        args: Args,
        seed: V,
        accumulate: &mut F,
    ) -> Result<Self::Adjoints, KernelError>;
}
