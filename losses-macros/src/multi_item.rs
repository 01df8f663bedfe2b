//! The items `#[loss(inputs(...))]` generates for a loss of several row inputs: the
//! kernel functions, the `MultiRowKernel` impl, and inherent `value`,
//! `value_and_grad` and `per_sample` methods that take one array per input.

use crate::ctxt::Ctxt;
use crate::emit::{Emitted, grad_ident};
use crate::item::{LossModel, kernel_params};
use crate::signature::{FloatTy, Param, ParamTy, Role};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

impl LossModel<'_> {
    fn inputs(&self) -> Vec<&Param> {
        self.sig
            .params
            .iter()
            .filter(|param| param.role == Role::Input)
            .collect()
    }

    fn target(&self) -> Option<&Param> {
        self.sig
            .params
            .iter()
            .find(|param| param.role == Role::YTrue)
    }

    /// Writes the kernel functions and the trait impl of a multi-input loss.
    pub fn multi_impls(&self, cx: &mut Ctxt, emitted: &Emitted) -> TokenStream {
        let name = &self.name;
        let params = kernel_params(self.sig);
        let (forward_body, reverse_body) = (&emitted.forward_body, &emitted.reverse_body);
        let (impl_generics, elem) = match &self.sig.float {
            FloatTy::Generic(_) => (quote!(<__T: ::losses_core::LossFloat>), quote!(__T)),
            FloatTy::Concrete(ident) => (TokenStream::new(), quote!(#ident)),
        };
        let inputs = self.inputs();
        let grads: Vec<Ident> = inputs
            .iter()
            .map(|param| grad_ident(&param.ident))
            .collect();
        let input_idents: Vec<&Ident> = inputs.iter().map(|param| &param.ident).collect();
        let input_names: Vec<String> = input_idents.iter().map(|ident| ident.to_string()).collect();
        let call_args: Vec<TokenStream> = self
            .sig
            .params
            .iter()
            .map(|param| self.multi_call_arg(param, &elem))
            .collect();
        let target = match self.target().map(|param| param.ty) {
            None => quote!(::core::option::Option::None),
            Some(ParamTy::FloatSlice) => quote!(::core::option::Option::Some(
                ::losses_core::TargetShape::Row
            )),
            Some(_) => quote!(::core::option::Option::Some(
                ::losses_core::TargetShape::PerSample
            )),
        };
        let any_length = self.args.inputs_any_length;
        let sets: Vec<bool> = self
            .sig
            .params
            .iter()
            .enumerate()
            .filter(|(_, param)| param.role == Role::Input)
            .map(|(index, _)| emitted.set_gradients.contains(&index))
            .collect();
        let validate = self.validate_body();
        let validate_features = self.requirement_checks(true);
        let name_text = name.to_string();
        let error = quote!(::losses_core::KernelError);
        let wrong_count = quote! {
            ::core::result::Result::Err(#error::OutOfBounds { slice: "inputs", index: 0, len: inputs.len() })
        };
        let methods = self.multi_methods();
        let exclusion = self.exclusion(cx, &elem);
        // The kernel functions are inlined into the drivers' loops, which are compiled
        // for each instruction set level. A call that is not inlined runs at the baseline.
        quote! {
            #[automatically_derived]
            impl #name {
                #[doc(hidden)]
                #[inline(always)]
                #[allow(unused_variables, unused_mut, clippy::too_many_arguments)]
                pub fn __forward<__V: ::losses_core::LossFloat>(#(#params),*) -> ::core::result::Result<__V, #error> {
                    #forward_body
                }

                #[doc(hidden)]
                #[inline(always)]
                #[allow(unused_variables, unused_mut, clippy::too_many_arguments)]
                pub fn __reverse<__V: ::losses_core::LossFloat>(
                    #(#params,)* __seed: __V, #(#grads: &mut [__V]),*
                ) -> ::core::result::Result<__V, #error> {
                    #reverse_body
                }
            }

            #[automatically_derived]
            impl #impl_generics ::losses_core::MultiRowKernel<#elem> for #name {
                const NAME: &'static str = #name_text;
                const TARGET: ::core::option::Option<::losses_core::TargetShape> = #target;
                const INPUTS: &'static [&'static str] = &[#(#input_names),*];
                const INPUTS_ANY_LENGTH: bool = #any_length;
                const SETS_GRADIENTS: &'static [bool] = &[#(#sets),*];

                fn reduction(&self) -> ::losses_core::Reduction {
                    self.reduction
                }

                fn validate(&self) -> ::core::result::Result<(), ::losses_core::LossError> {
                    #validate
                }

                #[allow(unused_variables)]
                fn validate_features(&self, row_lens: &[usize]) -> ::core::result::Result<(), ::losses_core::LossError> {
                    for &features in row_lens {
                        #validate_features
                    }
                    ::core::result::Result::Ok(())
                }

                #[inline(always)]
                fn forward(&self, y_true: &[#elem], inputs: &[&[#elem]]) -> ::core::result::Result<#elem, #error> {
                    match inputs {
                        [#(#input_idents),*] => Self::__forward::<#elem>(#(#call_args),*),
                        _ => #wrong_count,
                    }
                }

                #[inline(always)]
                fn reverse(
                    &self,
                    y_true: &[#elem],
                    inputs: &[&[#elem]],
                    seed: #elem,
                    grads: &mut [&mut [#elem]],
                ) -> ::core::result::Result<#elem, #error> {
                    match (inputs, grads) {
                        ([#(#input_idents),*], [#(#grads),*]) => Self::__reverse::<#elem>(#(#call_args,)* seed, #(#grads),*),
                        _ => #wrong_count,
                    }
                }

                #exclusion
            }

            #methods
        }
    }

    /// Writes how the kernel methods pass a parameter to the generated function.
    fn multi_call_arg(&self, param: &Param, elem: &TokenStream) -> TokenStream {
        match (param.role, param.ty) {
            (Role::YTrue, ParamTy::Float) => {
                quote!(::losses_core::__private::rows::single_target(y_true)?)
            }
            (Role::YTrue, ParamTy::Index) => quote!(::losses_core::__private::rows::label_index(
                ::losses_core::__private::rows::single_target(y_true)?
            )?),
            _ => self.call_arg(param, elem),
        }
    }

    /// Writes the inherent methods that take one array per input.
    fn multi_methods(&self) -> TokenStream {
        let name = &self.name;
        let inputs = self.inputs();
        let idents: Vec<&Ident> = inputs.iter().map(|param| &param.ident).collect();
        let storages: Vec<Ident> = (0..inputs.len())
            .map(|k| format_ident!("__S{}", k))
            .collect();
        let dims: Vec<Ident> = (0..inputs.len())
            .map(|k| format_ident!("__D{}", k))
            .collect();
        let grads: Vec<Ident> = (0..inputs.len())
            .map(|k| format_ident!("__grad{}", k))
            .collect();
        let nd = quote!(::losses_core::__private::ndarray);

        let (target_param, target_generics, target_bounds, target_view) = match self.target() {
            Some(_) => (
                quote!(y_true: &#nd::ArrayBase<__St, __Dt>,),
                quote!(__St, __Dt,),
                quote!(__St: #nd::Data<Elem = __T>, __Dt: #nd::Dimension,),
                quote!(::core::option::Option::Some(y_true.view().into_dyn())),
            ),
            None => (
                quote!(),
                quote!(),
                quote!(),
                quote!(::core::option::Option::None),
            ),
        };
        let input_params = quote!(#(#idents: &#nd::ArrayBase<#storages, #dims>),*);
        let generics = quote!(__T, #target_generics #(#storages, #dims),*);
        let bounds = quote! {
            __T: ::losses_core::LossFloat,
            Self: ::losses_core::MultiRowKernel<__T>,
            #target_bounds
            #(#storages: #nd::Data<Elem = __T>, #dims: #nd::Dimension,)*
        };
        let batch = |weights: TokenStream| {
            quote! {
                ::losses_core::MultiBatch {
                    y_true: #target_view,
                    inputs: ::std::vec![#(#idents.view().into_dyn()),*],
                    sample_weight: #weights,
                }
            }
        };
        let unweighted = batch(quote!(::core::option::Option::None));
        let weighted = batch(quote!(::core::option::Option::Some(
            sample_weight.view().into_dyn()
        )));
        let weight_param = quote!(sample_weight: &#nd::ArrayBase<__Sw, __Dw>);
        let weight_bounds = quote!(__Sw: #nd::Data<Elem = __T>, __Dw: #nd::Dimension,);
        let grad_types = quote!(#(#nd::Array<__T, #dims>),*);
        let grad_arrays = quote!(#(let mut #grads = #nd::Array::zeros(#idents.raw_dim());)*);
        let grad_views = quote!(::std::vec![#(#grads.view_mut().into_dyn()),*]);
        let multi = quote!(::losses_core::__private::multi);
        let result = quote!(::core::result::Result);
        let error = quote!(::losses_core::LossError);
        quote! {
            #[automatically_derived]
            impl #name {
                /// Computes the reduced loss of the inputs, in declaration order.
                pub fn value<#generics>(&self, #target_param #input_params) -> #result<__T, #error>
                where #bounds
                {
                    #multi::value(self, #unweighted)
                }

                /// Computes the reduced loss and its gradient with respect to each input,
                /// in declaration order; each gradient has its input's shape.
                pub fn value_and_grad<#generics>(&self, #target_param #input_params) -> #result<(__T, #grad_types), #error>
                where #bounds
                {
                    #grad_arrays
                    let value = #multi::value_and_grad_into(self, #unweighted, #grad_views)?;
                    #result::Ok((value, #(#grads),*))
                }

                /// Computes the per-sample losses, whatever the reduction.
                pub fn per_sample<#generics>(&self, #target_param #input_params) -> #result<#nd::ArrayD<__T>, #error>
                where #bounds
                {
                    #multi::per_sample(self, #unweighted)
                }

                /// Computes the reduced loss with sample weights.
                pub fn value_weighted<#generics, __Sw, __Dw>(&self, #target_param #input_params, #weight_param) -> #result<__T, #error>
                where #bounds #weight_bounds
                {
                    #multi::value(self, #weighted)
                }

                /// Computes the reduced loss with sample weights and its gradient with
                /// respect to each input.
                pub fn value_and_grad_weighted<#generics, __Sw, __Dw>(
                    &self, #target_param #input_params, #weight_param
                ) -> #result<(__T, #grad_types), #error>
                where #bounds #weight_bounds
                {
                    #grad_arrays
                    let value = #multi::value_and_grad_into(self, #weighted, #grad_views)?;
                    #result::Ok((value, #(#grads),*))
                }

                /// Computes the per-sample losses times their sample weights.
                pub fn per_sample_weighted<#generics, __Sw, __Dw>(
                    &self, #target_param #input_params, #weight_param
                ) -> #result<#nd::ArrayD<__T>, #error>
                where #bounds #weight_bounds
                {
                    #multi::per_sample(self, #weighted)
                }
            }
        }
    }
}
