//! Rewriting of float literals in a generic function, so the original stays callable.
//!
//! `num_traits::Float` has no literal syntax: `0.5 * x` does not compile for `x: T`. The
//! macro accepts such literals and rewrites each one in the emitted original function to
//! a conversion, `<T as NumCast>::from(0.5_f64)`. The conversion cannot fail for `f32`
//! and `f64`; for another `Float` type a failed conversion gives NaN rather than a panic.
//! Paths to `f64` constants such as `std::f64::consts::LN_2` are converted the same way,
//! and compound assignments such as `acc += e` are spelt out, because `Float` does not
//! require `AddAssign`. The fill value of a local array, `vec![0.0; n]`, is rewritten
//! too.

use proc_macro2::Ident;
use syn::visit_mut::VisitMut;
use syn::{Expr, ExprLit, Lit};

/// Rewrites the float literals of `expr` into conversions to `float`.
pub fn rewrite_expr(expr: &mut Expr, float: &Ident) {
    Rewriter { float }.visit_expr_mut(expr);
}

/// Rewrites the float literals of `block` into conversions to `float`.
pub fn rewrite(block: &mut syn::Block, float: &Ident) {
    Rewriter { float }.visit_block_mut(block);
}

struct Rewriter<'a> {
    float: &'a Ident,
}

impl VisitMut for Rewriter<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        if let Expr::Lit(ExprLit {
            lit: Lit::Float(float),
            ..
        }) = expr
        {
            let span = float.span();
            // A literal with a suffix, such as `0.5_f32`, is an error that lowering
            // reports. It is converted unchanged, so that rustc does not report its
            // type too.
            let digits = if float.suffix().is_empty() {
                crate::emit::float_literal(float.base10_parse::<f64>().unwrap_or(f64::NAN))
            } else {
                quote::ToTokens::to_token_stream(float)
            };
            let ty = self.float;
            *expr = syn::parse_quote_spanned! {span=>
                <#ty as ::losses_core::num_traits::NumCast>::from(#digits)
                    .unwrap_or_else(<#ty as ::losses_core::num_traits::Float>::nan)
            };
            return;
        }
        if let Expr::Path(path) = expr {
            if crate::methods::constant(&path.path).is_some() {
                let ty = self.float;
                let span = path
                    .path
                    .segments
                    .last()
                    .map_or_else(proc_macro2::Span::call_site, |segment| segment.ident.span());
                let constant = path.clone();
                *expr = syn::parse_quote_spanned! {span=>
                    <#ty as ::losses_core::num_traits::NumCast>::from(#constant)
                        .unwrap_or_else(<#ty as ::losses_core::num_traits::Float>::nan)
                };
                return;
            }
        }
        // The fill value of a local array, `vec![0.0; n]`, is inside macro tokens,
        // which a visitor does not enter.
        if let Expr::Macro(call) = expr {
            if call.mac.path.is_ident("vec") {
                let tokens = &call.mac.tokens;
                if let Ok(mut repeat) = syn::parse2::<syn::ExprRepeat>(quote::quote!([#tokens])) {
                    self.visit_expr_mut(&mut repeat.expr);
                    let (fill, len) = (&repeat.expr, &repeat.len);
                    call.mac.tokens = quote::quote!(#fill; #len);
                    return;
                }
            }
        }
        // `num_traits::Float` has no `AddAssign`: `acc += e` becomes `acc = acc + e`.
        if let Expr::Binary(binary) = expr {
            let op = match binary.op {
                syn::BinOp::AddAssign(_) => Some(quote::quote!(+)),
                syn::BinOp::SubAssign(_) => Some(quote::quote!(-)),
                syn::BinOp::MulAssign(_) => Some(quote::quote!(*)),
                syn::BinOp::DivAssign(_) => Some(quote::quote!(/)),
                _ => None,
            };
            if let Some(op) = op {
                // The right side itself may be a literal or a constant, as in
                // `count += 1.0`, so it goes through this visitor, not only its children.
                self.visit_expr_mut(&mut binary.right);
                let (left, right) = (&binary.left, &binary.right);
                *expr = syn::parse_quote!(#left = #left #op (#right));
                return;
            }
        }
        syn::visit_mut::visit_expr_mut(self, expr);
    }
}
