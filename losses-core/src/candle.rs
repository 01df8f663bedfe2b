//! Losses as nodes of a [candle](https://docs.rs/candle-core) autograd graph, behind the
//! `candle` feature.
//!
//! [`CandleLoss`] wraps any [`Loss`], shipped or written with `#[loss]`, and its
//! [`forward`](CandleLoss::forward) evaluates the loss on two candle tensors and returns
//! the reduced loss as a 0-D tensor. The node is a candle
//! [`CustomOp2`]: its forward pass calls [`Loss::evaluate_value`], and its backward pass
//! multiplies the incoming gradient by d(loss)/d(`y_pred`) from
//! [`Loss::evaluate_into`], the gradient that `#[loss]` derived. So `backward()` on the
//! result, or on any expression built from it, reaches the parameters of the model that
//! computed `y_pred`. `y_true` gets no gradient.
//!
//! ```
//! use candle_core::{Device, Tensor, Var};
//! use losses_core::candle::CandleLoss;
//! use losses_core::prelude::*;
//!
//! let device = Device::Cpu;
//! let y_true = Tensor::new(&[1.0f32, 0.0], &device)?;
//! let logits = Var::new(&[0.0f32, 0.0], &device)?;
//!
//! let loss = CandleLoss::new(BinaryCrossentropy::new(true, 0.0));
//! let value = loss.forward(&y_true, logits.as_tensor())?;
//! let grads = value.backward()?;
//!
//! // At logit 0 the loss of either label is ln 2, and its derivative is
//! // sigmoid(0) - y = ∓1/2, divided by the 2 samples of the mean.
//! assert!((value.to_scalar::<f32>()? - std::f32::consts::LN_2).abs() < 1e-6);
//! let grad = grads.get(&logits).expect("the logits take part in the loss");
//! assert_eq!(grad.to_vec1::<f32>()?, [-0.25, 0.25]);
//! # Ok::<(), candle_core::Error>(())
//! ```
//!
//! The inputs follow the shape rules of [`Loss`]: the last axis contains the features of
//! a sample, and `y_true` and `y_pred` must have equal shapes. Any layout works, including
//! transposed and broadcast tensors, because the op reads them through their strides
//! without copying.
//!
//! NOTE: the node runs on the CPU only. On a CUDA or Metal tensor, `forward` returns an
//! error that says to move the tensors to `Device::Cpu` first. Losses of several
//! inputs, such as pair losses, do not implement [`Loss`] and have no candle node.

use std::any::type_name;
use std::marker::PhantomData;

use candle_core::{
    CpuStorage, CustomOp2, Error, Layout, Result, Shape, Storage, Tensor, WithDType,
};
use ndarray::{ArrayViewD, ArrayViewMutD, IxDyn, ShapeBuilder};

use crate::{Batch, Loss, LossFloat};

/// A loss that evaluates candle tensors as a node of the autograd graph.
///
/// Wraps any [`Loss`], shipped or written with `#[loss]`. [`forward`](Self::forward)
/// takes `f32` tensors and needs a `Loss<f32>`, and [`forward_f64`](Self::forward_f64)
/// takes `f64` tensors and needs a `Loss<f64>`. A generic `#[loss]` function gives
/// both. Each call puts a clone of the loss into the graph, because candle keeps the
/// op alive until the backward pass.
///
/// The methods are inherent rather than in an extension trait because the prelude
/// brings [`ElementwiseKernel`](crate::ElementwiseKernel) into scope, whose `forward`
/// would make `loss.forward(..)` ambiguous on a bare loss type.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CandleLoss<L> {
    loss: L,
}

impl<L> CandleLoss<L> {
    /// Wraps `loss`.
    pub fn new(loss: L) -> Self {
        Self { loss }
    }

    /// Returns the wrapped loss, for [`Loss::value_and_grad`] and the other ndarray
    /// methods.
    pub fn loss(&self) -> &L {
        &self.loss
    }

    /// Returns the wrapped loss by value.
    pub fn into_inner(self) -> L {
        self.loss
    }
}

impl<L> From<L> for CandleLoss<L> {
    fn from(loss: L) -> Self {
        Self::new(loss)
    }
}

impl<L> CandleLoss<L>
where
    L: Clone + Send + Sync + 'static,
{
    /// Returns the reduced loss of `f32` tensors `y_true` and `y_pred` as a 0-D tensor
    /// whose backward pass sends d(loss)/d(`y_pred`) to `y_pred`.
    ///
    /// # Errors
    ///
    /// Returns an error for tensors that are not `f32` or not on the CPU, and wraps
    /// every [`LossError`](crate::LossError) of the evaluation, such as unequal shapes
    /// or [`Reduction::None`](crate::Reduction::None), which has no scalar value.
    pub fn forward(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor>
    where
        L: Loss<f32>,
    {
        self.node::<f32>(y_true, y_pred)
    }

    /// Returns the reduced loss of `f64` tensors, as [`forward`](Self::forward) does for
    /// `f32` ones.
    ///
    /// # Errors
    ///
    /// As [`forward`](Self::forward), with `f64` in place of `f32`.
    pub fn forward_f64(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor>
    where
        L: Loss<f64>,
    {
        self.node::<f64>(y_true, y_pred)
    }

    fn node<T>(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor>
    where
        T: LossFloat + WithDType,
        L: Loss<T>,
    {
        check_inputs::<T, L>(y_true, y_pred)?;
        y_true.apply_op2(y_pred, LossOp::<L, T>::new(self.loss.clone()))
    }
}

/// Checks what the op cannot report well itself: the element type and the device.
fn check_inputs<T: WithDType, L>(y_true: &Tensor, y_pred: &Tensor) -> Result<()> {
    let name = type_name::<L>();
    if y_true.dtype() != T::DTYPE || y_pred.dtype() != T::DTYPE {
        return Err(Error::msg(format!(
            "the candle node of {name} evaluates {:?} tensors, but y_true is {:?} and y_pred \
             is {:?}. Convert them with `Tensor::to_dtype`, or call `forward` for f32 \
             tensors and `forward_f64` for f64 ones",
            T::DTYPE,
            y_true.dtype(),
            y_pred.dtype()
        )));
    }
    for (input, tensor) in [("y_true", y_true), ("y_pred", y_pred)] {
        if !tensor.device().is_cpu() {
            return Err(Error::msg(format!(
                "the candle node of {name} runs on the CPU only, but {input} is on {:?}. \
                 Move both inputs with `to_device(&Device::Cpu)`",
                tensor.device().location()
            )));
        }
    }
    Ok(())
}

/// The candle custom op of a loss: `y_true` is its first argument and `y_pred` its
/// second, and its result is the reduced loss, a 0-D tensor of element type `T`.
struct LossOp<L, T> {
    loss: L,
    // `fn() -> T` keeps the op `Send + Sync` whatever `T` is.
    element: PhantomData<fn() -> T>,
}

impl<L, T> LossOp<L, T> {
    fn new(loss: L) -> Self {
        Self {
            loss,
            element: PhantomData,
        }
    }
}

impl<L, T> CustomOp2 for LossOp<L, T>
where
    T: LossFloat + WithDType,
    L: Loss<T>,
{
    fn name(&self) -> &'static str {
        type_name::<L>()
    }

    fn cpu_fwd(
        &self,
        y_true: &CpuStorage,
        true_layout: &Layout,
        y_pred: &CpuStorage,
        pred_layout: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let batch = Batch::new(
            array_view::<T>(y_true, true_layout)?,
            array_view::<T>(y_pred, pred_layout)?,
        );
        let value = self.loss.evaluate_value(batch).map_err(Error::wrap)?;
        Ok((T::to_cpu_storage_owned(vec![value]), Shape::from(())))
    }

    fn bwd(
        &self,
        y_true: &Tensor,
        y_pred: &Tensor,
        _loss: &Tensor,
        loss_grad: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let pred_grad = self.local_gradient(y_true, y_pred)?;
        // Chain rule: d(out)/d(y_pred) = d(out)/d(loss) · d(loss)/d(y_pred), where
        // d(out)/d(loss) is the 0-D `loss_grad`.
        Ok((None, Some(pred_grad.broadcast_mul(loss_grad)?)))
    }
}

impl<L, T> LossOp<L, T>
where
    T: LossFloat + WithDType,
    L: Loss<T>,
{
    /// Returns d(loss)/d(`y_pred`) as a tensor of `y_pred`'s shape.
    fn local_gradient(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor> {
        let mut grad = vec![T::zero(); y_pred.elem_count()];
        {
            let (true_storage, true_layout) = y_true.storage_and_layout();
            let (pred_storage, pred_layout) = y_pred.storage_and_layout();
            let batch = Batch::new(
                array_view::<T>(cpu_storage(&true_storage, "y_true")?, true_layout)?,
                array_view::<T>(cpu_storage(&pred_storage, "y_pred")?, pred_layout)?,
            );
            let grad_view =
                ArrayViewMutD::from_shape(IxDyn(y_pred.dims()), &mut grad).map_err(Error::wrap)?;
            self.loss
                .evaluate_into(batch, grad_view)
                .map_err(Error::wrap)?;
        }
        Tensor::from_vec(grad, y_pred.shape(), y_pred.device())
    }
}

fn cpu_storage<'a>(storage: &'a Storage, input: &str) -> Result<&'a CpuStorage> {
    match storage {
        Storage::Cpu(storage) => Ok(storage),
        _ => Err(Error::msg(format!(
            "the backward pass of a loss node runs on the CPU only, but {input} is not on \
             the CPU"
        ))),
    }
}

/// Returns the elements that `layout` selects from `storage`, without copying: candle
/// strides are counted in elements, as ndarray's are, and are never negative.
fn array_view<'a, T: WithDType>(
    storage: &'a CpuStorage,
    layout: &Layout,
) -> Result<ArrayViewD<'a, T>> {
    let data = storage.as_slice::<T>()?;
    let from_offset = data.get(layout.start_offset()..).ok_or_else(|| {
        Error::msg(format!(
            "a tensor layout starts at element {} of a storage of {} elements",
            layout.start_offset(),
            data.len()
        ))
    })?;
    let shape = IxDyn(layout.dims()).strides(IxDyn(layout.stride()));
    ArrayViewD::from_shape(shape, from_offset).map_err(Error::wrap)
}
