//! The `#[loss]` and `#[differentiable]` attributes of `losses-core`.
//!
//! Depend on `losses-core`, which re-exports both and documents them in full. The macro
//! is a small compiler whose phases are this crate's modules:
//!
//! | phase | module |
//! |---|---|
//! | attribute arguments | `attr` |
//! | error collection | `ctxt` |
//! | signature model and checks | `signature` |
//! | supported methods and constants | `methods` |
//! | lowering the body to the IR, with grammar checks | `lower`, `ir` |
//! | rewrites of unstable patterns | `rewrite` |
//! | derivative rules | `rules` |
//! | forward and reverse emission | `emit` |
//! | the derivation as rustdoc text | `docs` |
//! | generated items | `item`, `row_item`, `multi_item`, `helper`, `row_helper` |
//! | loss-only methods in the kept original function | `original` |
//! | the generated gradient test of `check` | `check` |
//! | whole-batch evaluation of `batch` | `batch` |
//! | items emitted on error | `fallback` |

#![forbid(unsafe_code)]

mod attr;
mod batch;
mod check;
mod ctxt;
mod docs;
mod emit;
mod fallback;
#[cfg(test)]
mod fuzz;
mod helper;
mod ir;
mod item;
mod literal;
mod lower;
mod methods;
mod multi_item;
mod original;
mod rewrite;
mod row_helper;
mod row_item;
mod rules;
mod signature;

use proc_macro::TokenStream;

/// Derives a batched loss type with a compile-time gradient from a scalar function.
/// See `losses_core::loss` for the full documentation.
#[proc_macro_attribute]
pub fn loss(args: TokenStream, input: TokenStream) -> TokenStream {
    expand::loss(args.into(), input.into()).into()
}

/// Makes a scalar helper function callable from `#[loss]` bodies.
/// See `losses_core::differentiable` for the full documentation.
#[proc_macro_attribute]
pub fn differentiable(args: TokenStream, input: TokenStream) -> TokenStream {
    match syn::parse2::<syn::ItemFn>(input.into()) {
        Ok(item) => helper::expand(args.into(), item).into(),
        Err(error) => error.to_compile_error().into(),
    }
}

mod expand;
