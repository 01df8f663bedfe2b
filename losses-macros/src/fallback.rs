//! What the macros emit when the function has errors: the items user code refers to,
//! with bodies that never run, so that the only errors shown are the real ones.

use crate::helper;
use crate::item::LossModel;
use crate::signature::Signature;
use proc_macro2::TokenStream;
use quote::quote;
use syn::ItemFn;

const STUB: &str = "the #[loss] function failed to compile; see the errors above";

/// The loss type with its constructor and stub trait impls.
pub fn loss_items(model: &LossModel<'_>) -> TokenStream {
    let name = &model.name;
    let declared = model.struct_and_constructor(None);
    quote! {
        #declared

        #[automatically_derived]
        impl<__T: ::losses_core::LossFloat> ::losses_core::Loss<__T> for #name {
            fn reduction(&self) -> ::losses_core::Reduction {
                self.reduction
            }

            fn evaluate_value(&self, _: ::losses_core::Batch<'_, __T>) -> ::core::result::Result<__T, ::losses_core::LossError> {
                ::core::unreachable!(#STUB)
            }

            fn evaluate_into(
                &self,
                _: ::losses_core::Batch<'_, __T>,
                _: ::losses_core::__private::ArrayViewMutD<'_, __T>,
            ) -> ::core::result::Result<__T, ::losses_core::LossError> {
                ::core::unreachable!(#STUB)
            }

            fn evaluate_per_sample(
                &self,
                _: ::losses_core::Batch<'_, __T>,
            ) -> ::core::result::Result<::losses_core::__private::ArrayD<__T>, ::losses_core::LossError> {
                ::core::unreachable!(#STUB)
            }
        }
    }
}

/// A loss type when even the signature could not be read: only the reduction field.
pub fn bare_struct(name: &proc_macro2::Ident) -> TokenStream {
    quote! {
        /// Loss type of a `#[loss]` function that failed to compile.
        #[derive(Clone, Copy, Debug, PartialEq)]
        pub struct #name {
            /// The reduction that combines per-sample losses into one value.
            pub reduction: ::losses_core::Reduction,
        }
    }
}

/// Forward and reverse functions of a helper with errors, so that losses calling it
/// show no follow-on errors.
pub fn helper_stubs(item: &ItemFn, sig: &Signature) -> TokenStream {
    let stub = quote!(::core::unreachable!(#STUB));
    helper::companions(item, sig, &stub, &stub)
}
