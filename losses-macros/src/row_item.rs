//! The items `#[loss]` generates for a row loss: the row kernel functions, the
//! `RowKernel` impl and the `Loss` impl that calls the row drivers.

use crate::ctxt::Ctxt;
use crate::emit::{Emitted, grad_ident};
use crate::item::{LossModel, kernel_params};
use crate::signature::{FloatTy, ParamTy, Role};
use proc_macro2::TokenStream;
use quote::quote;

impl LossModel<'_> {
    /// The row kernel functions and the trait impls of a row loss.
    pub fn row_impls(&self, cx: &mut Ctxt, emitted: &Emitted) -> TokenStream {
        let name = &self.name;
        let params = kernel_params(self.sig);
        let (forward_body, reverse_body) = (&emitted.forward_body, &emitted.reverse_body);
        let (impl_generics, elem, bound) = match &self.sig.float {
            FloatTy::Generic(_) => (
                quote!(<__T: ::losses_core::LossFloat>),
                quote!(__T),
                quote!(::losses_core::LossFloat),
            ),
            // The kernel functions stay generic even for a concrete float type: they
            // are only ever instantiated with it.
            FloatTy::Concrete(ident) => (
                TokenStream::new(),
                quote!(#ident),
                quote!(::losses_core::LossFloat),
            ),
        };
        let grads: Vec<_> = self
            .sig
            .params
            .iter()
            .filter(|param| param.ty == ParamTy::FloatSlice && param.role == Role::YPred)
            .map(|param| grad_ident(&param.ident))
            .collect();
        // The row loss's one gradient output is that of `y_pred`.
        let sets = self.sig.params.iter().enumerate().any(|(index, param)| {
            param.role == Role::YPred && emitted.set_gradients.contains(&index)
        });
        let call_args: Vec<TokenStream> = self
            .sig
            .params
            .iter()
            .map(|param| match (param.role, param.ty) {
                // One target per sample arrives as a row of one element.
                (Role::YTrue, ParamTy::Float) => {
                    quote!(::losses_core::__private::rows::single_target(y_true)?)
                }
                (Role::YTrue, ParamTy::Index) => {
                    quote!(::losses_core::__private::rows::label_index(
                        ::losses_core::__private::rows::single_target(y_true)?
                    )?)
                }
                _ => self.call_arg(param, &elem),
            })
            .collect();
        let target = match self
            .sig
            .params
            .iter()
            .find(|param| param.role == Role::YTrue)
            .map(|param| param.ty)
        {
            Some(ParamTy::FloatSlice) | None if self.args.target_any_length => {
                quote!(::losses_core::TargetShape::AnyLength)
            }
            Some(ParamTy::FloatSlice) | None => quote!(::losses_core::TargetShape::Row),
            Some(_) => quote!(::losses_core::TargetShape::PerSample),
        };
        let validate = self.validate_body();
        let validate_features = self.requirement_checks(true);
        let name_text = name.to_string();
        let out_of_bounds = quote!(::losses_core::KernelError);
        let (invalid_inputs, validate_inputs) = self.row_input_checks(&elem);
        let exclusion = self.exclusion(cx, &elem);
        // A loss with `batch` first looks at its axis.
        let whole_batch = |call: TokenStream| {
            if !self.args.batch {
                return TokenStream::new();
            }
            quote! {
                if self.axis == ::losses_core::Axis::WholeBatch {
                    return ::losses_core::__private::batch::#call;
                }
            }
        };
        let whole_batch_value = whole_batch(quote!(value(self, batch)));
        let whole_batch_into = whole_batch(quote!(value_and_grad_into(self, batch, grad)));
        let whole_batch_per_sample = whole_batch(quote!(per_sample(self, batch)));
        let (gradient_fn, gradient_method) = match &emitted.gradient_body {
            Some(body) => (
                quote! {
                    #[doc(hidden)]
                    #[inline(always)]
                    #[allow(unused_variables, unused_mut, clippy::too_many_arguments)]
                    pub fn __gradient<__V: #bound>(
                        #(#params,)* __seed: __V, #(#grads: &mut [__V]),*
                    ) -> ::core::result::Result<(), #out_of_bounds> {
                        #body
                    }
                },
                quote! {
                    #[inline(always)]
                    fn gradient(
                        &self,
                        y_true: &[#elem],
                        y_pred: &[#elem],
                        seed: #elem,
                        grad: &mut [#elem],
                    ) -> ::core::result::Result<(), #out_of_bounds> {
                        Self::__gradient::<#elem>(#(#call_args,)* seed, grad)
                    }
                },
            ),
            None => (TokenStream::new(), TokenStream::new()),
        };
        // The kernel functions are inlined into the drivers' loops, which are compiled
        // for each instruction set level. A call that is not inlined runs at the baseline.
        quote! {
            #[automatically_derived]
            impl #name {
                #[doc(hidden)]
                #[inline(always)]
                #[allow(unused_variables, unused_mut, clippy::too_many_arguments)]
                pub fn __forward<__V: #bound>(#(#params),*) -> ::core::result::Result<__V, #out_of_bounds> {
                    #forward_body
                }

                #[doc(hidden)]
                #[inline(always)]
                #[allow(unused_variables, unused_mut, clippy::too_many_arguments)]
                pub fn __reverse<__V: #bound>(
                    #(#params,)* __seed: __V, #(#grads: &mut [__V]),*
                ) -> ::core::result::Result<__V, #out_of_bounds> {
                    #reverse_body
                }

                #gradient_fn
            }

            #[automatically_derived]
            impl #impl_generics ::losses_core::RowKernel<#elem> for #name {
                const NAME: &'static str = #name_text;
                const TARGET: ::losses_core::TargetShape = #target;
                const SETS_GRADIENT: bool = #sets;

                fn reduction(&self) -> ::losses_core::Reduction {
                    self.reduction
                }

                fn validate(&self) -> ::core::result::Result<(), ::losses_core::LossError> {
                    #validate
                }

                #[allow(unused_variables)]
                fn validate_features(&self, features: usize) -> ::core::result::Result<(), ::losses_core::LossError> {
                    #validate_features
                    ::core::result::Result::Ok(())
                }

                #[inline(always)]
                fn forward(&self, y_true: &[#elem], y_pred: &[#elem]) -> ::core::result::Result<#elem, #out_of_bounds> {
                    Self::__forward::<#elem>(#(#call_args),*)
                }

                #[inline(always)]
                fn reverse(
                    &self,
                    y_true: &[#elem],
                    y_pred: &[#elem],
                    seed: #elem,
                    grad: &mut [#elem],
                ) -> ::core::result::Result<#elem, #out_of_bounds> {
                    Self::__reverse::<#elem>(#(#call_args,)* seed, grad)
                }

                #gradient_method

                #invalid_inputs

                #exclusion
            }

            #[automatically_derived]
            impl #impl_generics ::losses_core::Loss<#elem> for #name {
                fn reduction(&self) -> ::losses_core::Reduction {
                    self.reduction
                }

                fn evaluate_value(&self, batch: ::losses_core::Batch<'_, #elem>) -> ::core::result::Result<#elem, ::losses_core::LossError> {
                    #whole_batch_value
                    ::losses_core::__private::rows::value(self, batch)
                }

                fn evaluate_into(
                    &self,
                    batch: ::losses_core::Batch<'_, #elem>,
                    grad: ::losses_core::__private::ArrayViewMutD<'_, #elem>,
                ) -> ::core::result::Result<#elem, ::losses_core::LossError> {
                    #whole_batch_into
                    ::losses_core::__private::rows::value_and_grad_into(self, batch, grad)
                }

                fn evaluate_per_sample(
                    &self,
                    batch: ::losses_core::Batch<'_, #elem>,
                ) -> ::core::result::Result<::losses_core::__private::ArrayD<#elem>, ::losses_core::LossError> {
                    #whole_batch_per_sample
                    ::losses_core::__private::rows::per_sample(self, batch)
                }

                #validate_inputs
            }
        }
    }

    /// `invalid_inputs` of the row kernel, which checks `valid_inputs(...)` on each
    /// element of the row, and the `Loss::validate_inputs` that calls the driver.
    fn row_input_checks(&self, elem: &TokenStream) -> (TokenStream, TokenStream) {
        if self.args.valid_inputs.is_empty() {
            return (TokenStream::new(), TokenStream::new());
        }
        let checks = self.input_checks(
            elem,
            |text| quote!(return ::core::option::Option::Some((__i, #text));),
        );
        // One target per sample is the same for every element of its row.
        let target = match self
            .sig
            .params
            .iter()
            .find(|param| param.role == Role::YTrue)
            .map(|param| param.ty)
        {
            Some(ParamTy::FloatSlice) => quote!(__targets.get(__i)),
            _ => quote!(__targets.first()),
        };
        let invalid_inputs = quote! {
            #[allow(unused_variables)]
            fn invalid_inputs(&self, __targets: &[#elem], __predictions: &[#elem]) -> ::core::option::Option<(usize, &'static str)> {
                for (__i, &y_pred) in __predictions.iter().enumerate() {
                    let ::core::option::Option::Some(&y_true) = #target else {
                        continue;
                    };
                    #checks
                }
                ::core::option::Option::None
            }
        };
        let validate_inputs = quote! {
            fn validate_inputs(&self, batch: ::losses_core::Batch<'_, #elem>) -> ::core::result::Result<(), ::losses_core::LossError> {
                ::losses_core::__private::rows::validate_inputs(self, batch)
            }
        };
        (invalid_inputs, validate_inputs)
    }
}
