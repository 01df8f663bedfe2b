//! Local arrays of row losses: `let mut v = vec![fill; len];`, written in one loop and
//! read after it.
//!
//! The forward pass keeps each array in a scratch buffer from the thread's pool. The
//! reverse pass keeps the adjoints of a differentiated array's elements in a second
//! buffer: a read `v[k]` adds its adjoint to element `k` there, and the store that wrote
//! element `k` passes that adjoint on to the stored value. Every read comes after the
//! writing loop, so its reverse runs first and the adjoint is complete when the writing
//! loop is reversed.

use super::{Emitter, Reverse, Want, value_ident, zero};
use crate::ir::{Id, Loop, Op, Stmt, StoreKind};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

/// Names the adjoint buffer of the array node `array`.
fn adjoint_ident(array: Id) -> Ident {
    format_ident!("__darray{}", array)
}

/// Returns the array's name as the user wrote it, for error values.
fn array_name(em: &Emitter<'_>, array: Id) -> String {
    em.f.nodes[array]
        .name
        .clone()
        .unwrap_or_else(|| "array".to_string())
}

/// Declares `buffer` as a scratch buffer of `len` copies of `fill`. A length the
/// allocator cannot provide is an error naming the array, not an aborted process.
fn take_scratch(name: &str, buffer: &Ident, len: &Ident, fill: &TokenStream) -> TokenStream {
    take_with(quote!(take), name, buffer, len, fill)
}

/// Declares `buffer` as [`take_scratch`] does, through the `Scratch` constructor
/// `take`. With `take_for_overwrite`, a reused buffer keeps its old elements.
pub(super) fn take_with(
    take: TokenStream,
    name: &str,
    buffer: &Ident,
    len: &Ident,
    fill: &TokenStream,
) -> TokenStream {
    quote! {
        let ::core::option::Option::Some(mut #buffer) = ::losses_core::__private::Scratch::<__V>::#take(#len, #fill) else {
            return ::core::result::Result::Err(::losses_core::KernelError::ArrayAllocation { array: #name, len: #len });
        };
    }
}

/// Builds the error a generated function returns for a read past the array.
fn read_out_of_bounds(name: &str, buffer: &Ident, index: &Ident) -> TokenStream {
    quote! {
        return ::core::result::Result::Err(::losses_core::KernelError::OutOfBounds { slice: #name, index: #index, len: #buffer.len() })
    }
}

/// Builds the error a generated function returns for a store past the array.
fn write_out_of_bounds(name: &str, buffer: &Ident, index: &Ident) -> TokenStream {
    quote! {
        return ::core::result::Result::Err(::losses_core::KernelError::WriteOutOfBounds { array: #name, index: #index, len: #buffer.len() })
    }
}

impl Emitter<'_> {
    /// Writes the statement of an array declaration or a store; `None` for any other
    /// node. While the reverse sweep recomputes a loop, a store writes nothing: the
    /// forward pass has filled the array already.
    pub(super) fn array_statement(&self, id: Id) -> Option<TokenStream> {
        let buffer = value_ident(id);
        match self.f.nodes[id].op {
            Op::Array { len, fill } => {
                let len = value_ident(len);
                let fill = self.value(fill, Want::Vector);
                Some(take_scratch(&array_name(self, id), &buffer, &len, &fill))
            }
            Op::Store(..) if self.replay.get() => Some(TokenStream::new()),
            Op::Store(array, index, value, kind) => {
                let (buffer, index) = (value_ident(array), value_ident(index));
                let value = self.value(value, Want::Vector);
                let missing = write_out_of_bounds(&array_name(self, array), &buffer, &index);
                let update = match kind {
                    StoreKind::Set => quote!(*element = #value),
                    StoreKind::Add => quote!(*element = *element + #value),
                    StoreKind::Sub => quote!(*element = *element - #value),
                };
                Some(quote! {
                    match #buffer.get_mut(#index) {
                        ::core::option::Option::Some(element) => #update,
                        ::core::option::Option::None => { #missing; }
                    }
                })
            }
            _ => None,
        }
    }

    /// Reads element `index` of an array, returning an error from the generated
    /// function when the index is out of bounds.
    pub(super) fn array_load(&self, array: Id, index: Id) -> TokenStream {
        let (buffer, index) = (value_ident(array), value_ident(index));
        let missing = read_out_of_bounds(&array_name(self, array), &buffer, &index);
        quote! {
            match #buffer.get(#index) {
                ::core::option::Option::Some(element) => *element,
                ::core::option::Option::None => { #missing; }
            }
        }
    }
}

impl Reverse<'_, '_> {
    /// Takes a zeroed adjoint buffer for every differentiated array. The arrays are
    /// declared at the top level of the body, so their lengths are in scope here.
    pub(super) fn array_adjoints(&self) -> TokenStream {
        let mut code = TokenStream::new();
        for (id, node) in self.em.f.nodes.iter().enumerate() {
            let Op::Array { len, .. } = node.op else {
                continue;
            };
            if node.active {
                let (adjoint, len, zero) = (adjoint_ident(id), value_ident(len), zero());
                let name = array_name(self.em, id);
                code.extend(take_scratch(&name, &adjoint, &len, &zero));
            }
        }
        code
    }

    /// Adds the adjoint of a read `array[index]` to the element's adjoint.
    pub(super) fn reverse_array_load(
        &mut self,
        id: Id,
        array: Id,
        index: Id,
        adjoint: &TokenStream,
    ) -> TokenStream {
        if !self.em.f.nodes[array].active {
            return TokenStream::new();
        }
        let ex = self.masked(id, array, crate::rules::Ex::Adj);
        let contribution = self.em.ex_tokens(&ex, adjoint, id);
        let text = self.em.text.ex(&ex, id);
        let (buffer, index_ident) = (adjoint_ident(array), value_ident(index));
        self.lines.push(format!(
            "{}d_{}[{}] += {text}",
            "    ".repeat(self.depth - 1),
            self.em.text.name(array),
            self.em.text.name(index)
        ));
        quote! {
            if let ::core::option::Option::Some(element) = #buffer.get_mut(#index_ident) {
                *element = *element + #contribution;
            }
        }
    }

    /// Passes the adjoint of the element a store wrote to the stored value: as it is
    /// for `=` and `+=`, negated for `-=`. Each element is written once by `=`, and
    /// every `+=` or `-=` of an element adds to its final value, so no store needs the
    /// adjoint cleared after it.
    pub(super) fn reverse_store(
        &mut self,
        array: Id,
        index: Id,
        value: Id,
        kind: StoreKind,
    ) -> TokenStream {
        let nodes = &self.em.f.nodes;
        if !nodes[array].active || !nodes[value].active || self.skipped.contains(&value) {
            return TokenStream::new();
        }
        let (buffer, index_ident, zero) = (adjoint_ident(array), value_ident(index), zero());
        // The forward pass has checked the index against the same length.
        let read = quote! {
            match #buffer.get(#index_ident) {
                ::core::option::Option::Some(element) => *element,
                ::core::option::Option::None => #zero,
            }
        };
        let (contribution, sign) = match kind {
            StoreKind::Sub => (quote!(-(#read)), "-"),
            StoreKind::Set | StoreKind::Add => (read, ""),
        };
        let text = format!(
            "{sign}d_{}[{}]",
            self.em.text.name(array),
            self.em.text.name(index)
        );
        self.accumulate(value, contribution, text)
    }

    /// Returns whether the body of `lp` stores into a differentiated array, so that the
    /// loop must be reversed even without a reduction to reverse.
    pub(super) fn writes_active_array(&self, lp: &Loop) -> bool {
        let nodes = &self.em.f.nodes;
        lp.body.stmts.iter().any(|stmt| match stmt {
            Stmt::Let(id) => matches!(nodes[*id].op, Op::Store(array, ..) if nodes[array].active),
            _ => false,
        })
    }
}
