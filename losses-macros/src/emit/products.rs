//! The reverse of a product reduction, `p *= e` in a loop, without storing iterations.
//!
//! A first pass over the loop counts the factors equal to 0 as `z` and multiplies the
//! others into `q`. The value before the loop counts as a factor too. The partial
//! derivative of the product with respect to factor `e` is then `q / e` when `z = 0`,
//! `q` when `e` is the only zero factor, and 0 otherwise. That is the product of the
//! other factors, exact at zeros, where dividing the product by `e` would give `0 / 0`.

use super::{Reverse, Want, real};
use crate::ir::{Carried, Id, Loop, Node, product_chain};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

/// A product reduction of a loop being reversed.
pub(super) struct Product {
    /// The iteration's last update, which receives the adjoint of the product.
    pub next: Id,
    /// The value before the loop, a factor too.
    pub init: Id,
    /// The value after the loop, whose adjoint is passed on.
    pub out: Id,
    pub factors: Vec<Id>,
    pub zeros: Ident,
    pub nonzero: Ident,
    pub adjoint: Ident,
}

impl Product {
    pub fn new(nodes: &[Node], carried: &Carried, adjoint: &Ident) -> Self {
        let factors = product_chain(nodes, carried.phi, carried.next)
            .map(|chain| chain.factors)
            .unwrap_or_default();
        Product {
            next: carried.next,
            init: carried.init,
            out: carried.out,
            factors,
            zeros: format_ident!("__zeros{}", carried.phi),
            nonzero: format_ident!("__nonzero{}", carried.phi),
            adjoint: adjoint.clone(),
        }
    }
}

impl Reverse<'_, '_> {
    /// Counts, in a first pass over the loop, the zero factors of each product and
    /// multiplies the others, the value before the loop included.
    pub(super) fn count_zeros(&self, lp: &Loop, products: &[Product]) -> TokenStream {
        if products.is_empty() {
            return TokenStream::new();
        }
        let real = real();
        let mut declarations = TokenStream::new();
        let mut counting = TokenStream::new();
        let mut initial = TokenStream::new();
        for product in products {
            let (zeros, nonzero) = (&product.zeros, &product.nonzero);
            declarations.extend(quote! {
                let mut #zeros: usize = 0;
                let mut #nonzero: __V = <__V as #real>::from_f64(1.0_f64);
            });
            for factor in &product.factors {
                counting.extend(self.count_factor(product, *factor));
            }
            initial.extend(self.count_factor(product, product.init));
        }
        let shell = self.em.loop_shell(lp, &counting);
        quote! {
            #declarations
            #initial
            { #shell }
        }
    }

    fn count_factor(&self, product: &Product, factor: Id) -> TokenStream {
        let real = real();
        let (zeros, nonzero) = (&product.zeros, &product.nonzero);
        let value = self.em.value(factor, Want::Vector);
        quote! {
            if <__V as #real>::eq(#value, <__V as #real>::from_f64(0.0_f64)) {
                #zeros += 1;
            } else {
                #nonzero = #nonzero * #value;
            }
        }
    }

    /// Passes the adjoint of a product to every factor of the update `next`.
    pub(super) fn product_factors(&mut self, next: Id) -> TokenStream {
        let Some(product) = self.products.iter().find(|product| product.next == next) else {
            return TokenStream::new();
        };
        let (factors, out) = (product.factors.clone(), product.out);
        let mut code = TokenStream::new();
        for factor in factors {
            code.extend(self.share_product(factor, out));
        }
        code
    }

    /// Passes the adjoint of a product to its value before the loop.
    pub(super) fn product_init(&mut self, out: Id) -> TokenStream {
        match self.products.iter().find(|product| product.out == out) {
            Some(product) => self.share_product(product.init, out),
            None => TokenStream::new(),
        }
    }

    /// `d_factor += d_product * (product of the other factors)`, for the product whose
    /// value after the loop is `out`.
    fn share_product(&mut self, factor: Id, out: Id) -> TokenStream {
        let skip = !self.em.f.nodes[factor].active || self.skipped.contains(&factor);
        let product = self.products.iter().find(|product| product.out == out);
        let (Some(product), false) = (product, skip) else {
            return TokenStream::new();
        };
        let (zeros, nonzero, adjoint) = (&product.zeros, &product.nonzero, &product.adjoint);
        let real = real();
        let value = self.em.value(factor, Want::Vector);
        let zero = quote!(<__V as #real>::from_f64(0.0_f64));
        let contribution = quote! {
            #adjoint * if #zeros == 0 {
                #nonzero / #value
            } else if #zeros == 1 && <__V as #real>::eq(#value, #zero) {
                #nonzero
            } else {
                #zero
            }
        };
        let text = format!(
            "d_{} * (product of the factors other than {})",
            self.em.text.name(out),
            self.em.text.name(factor)
        );
        self.accumulate(factor, contribution, text)
    }
}
