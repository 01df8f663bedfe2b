//! Rewriting of the method calls that exist only in loss bodies, so the emitted
//! original function stays callable.
//!
//! `x.detach()` is not a method of `f32`, `f64` or `num_traits::Float`: it marks a value
//! that the reverse pass treats as a constant. The original function has no reverse pass,
//! so each call becomes `::losses_core::__private::detach(x)`, which returns `x`. The
//! arguments of a call with the wrong arity are dropped, since lowering reports it
//! already and rustc would only repeat the error.

use syn::visit_mut::VisitMut;
use syn::{Expr, ExprMethodCall};

/// Rewrites every `.detach(..)` call in `block` to the identity function.
pub fn rewrite(block: &mut syn::Block) {
    Rewriter.visit_block_mut(block);
}

struct Rewriter;

impl VisitMut for Rewriter {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        syn::visit_mut::visit_expr_mut(self, expr);
        if let Expr::MethodCall(ExprMethodCall {
            receiver, method, ..
        }) = expr
        {
            if method == "detach" {
                let span = method.span();
                // `(a + b).detach()` passes `a + b`: parentheses around a function
                // argument would draw the `unused_parens` lint.
                let mut argument = &**receiver;
                while let Expr::Paren(paren) = argument {
                    argument = &paren.expr;
                }
                *expr = syn::parse_quote_spanned! {span=>
                    ::losses_core::__private::detach(#argument)
                };
            }
        }
    }
}
