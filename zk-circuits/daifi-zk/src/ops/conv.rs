//! 2-D convolution with constant kernels (padding, stride; one group): free.

use std::collections::HashMap;

use super::{const_input, quantize, var_input, Tensor, Value};
use crate::{circuit::{affine::Affine, program::Builder}, onnx::Node, ZkError};

/// Window geometry shared by convolution and pooling: kernel, strides, pads
/// `[top, left, bottom, right]`.
pub struct Window {
	/// Kernel height and width.
	pub kernel: [usize; 2],
	/// Vertical and horizontal strides.
	pub strides: [usize; 2],
	/// Padding: top, left, bottom, right.
	pub pads: [usize; 4],
}

impl Window {
	/// Reads `kernel_shape` (or `default_kernel`), `strides` and `pads`;
	/// refuses dilations, `auto_pad` and `ceil_mode`.
	pub fn of(node: &Node, default_kernel: Option<[usize; 2]>) -> Result<Window, ZkError> {
		let two = |name: &str, v: Option<Vec<i64>>, default: [usize; 2]| -> Result<[usize; 2], ZkError> {
			match v.as_deref() {
				None => Ok(default),
				Some([a, b]) if *a > 0 && *b > 0 => Ok([*a as usize, *b as usize]),
				Some(other) => Err(node.error(format!("{name} {other:?} is not 2-D"))),
			}
		};
		if node.ints("dilations").is_some_and(|d| d.iter().any(|&x| x != 1)) {
			return Err(node.error("dilations other than 1 are not supported"));
		}
		if node.string("auto_pad").is_some_and(|p| p != "NOTSET") {
			return Err(node.error("auto_pad is not supported; give explicit pads"));
		}
		if node.int("ceil_mode", 0) != 0 {
			return Err(node.error("ceil_mode = 1 is not supported"));
		}
		let kernel = match (node.ints("kernel_shape"), default_kernel) {
			(Some(k), _) => two("kernel_shape", Some(k), [0, 0])?,
			(None, Some(k)) => k,
			(None, None) => return Err(node.error("kernel_shape is missing")),
		};
		let strides = two("strides", node.ints("strides"), [1, 1])?;
		let pads = match node.ints("pads").as_deref() {
			None => [0; 4],
			Some([t, l, b, r]) if [t, l, b, r].iter().all(|&&p| p >= 0) =>
				[*t as usize, *l as usize, *b as usize, *r as usize],
			Some(other) => return Err(node.error(format!("pads {other:?} are not 2-D"))),
		};
		Ok(Window { kernel, strides, pads })
	}

	/// Output height and width for an input of `h x w`.
	pub fn output(&self, node: &Node, h: usize, w: usize) -> Result<[usize; 2], ZkError> {
		let dim = |size: usize, k: usize, s: usize, p0: usize, p1: usize| {
			(size + p0 + p1).checked_sub(k).map(|d| d / s + 1)
		};
		match (
			dim(h, self.kernel[0], self.strides[0], self.pads[0], self.pads[2]),
			dim(w, self.kernel[1], self.strides[1], self.pads[1], self.pads[3]),
		) {
			(Some(oh), Some(ow)) => Ok([oh, ow]),
			_ => Err(node.error(format!("kernel {:?} larger than the padded input {h}x{w}", self.kernel))),
		}
	}

	/// The in-bounds input positions `(y, x)` of output position `(oy, ox)`,
	/// with their kernel offsets `(ky, kx)`.
	pub fn taps(&self, oy: usize, ox: usize, h: usize, w: usize) -> Vec<(usize, usize, usize, usize)> {
		let mut taps = Vec::with_capacity(self.kernel[0] * self.kernel[1]);
		for ky in 0..self.kernel[0] {
			for kx in 0..self.kernel[1] {
				let y = (oy * self.strides[0] + ky).checked_sub(self.pads[0]);
				let x = (ox * self.strides[1] + kx).checked_sub(self.pads[1]);
				if let (Some(y), Some(x)) = (y, x) {
					if y < h && x < w {
						taps.push((y, x, ky, kx));
					}
				}
			}
		}
		taps
	}
}

/// `[channels, height, width]` of a batch-of-one NCHW tensor.
pub fn chw(node: &Node, t: &Tensor) -> Result<[usize; 3], ZkError> {
	match t.shape[..] {
		[1, c, h, w] => Ok([c, h, w]),
		_ => Err(node.error(format!("expected an NCHW input with batch 1, got {:?}", t.shape))),
	}
}

/// ONNX `Conv`.
pub fn conv(b: &mut Builder, node: &Node, values: &HashMap<String, Value>) -> Result<Value, ZkError> {
	if node.int("group", 1) != 1 {
		return Err(node.error("grouped convolution is not supported"));
	}
	let x = var_input(node, values, 0)?.ready_for_weights(b)?;
	let [c, h, w] = chw(node, &x)?;
	let k = const_input(node, values, 1)?;
	let [m, kc, kh, kw] = k.shape[..] else {
		return Err(node.error(format!("kernel must be 4-D, got {:?}", k.shape)));
	};
	if kc != c {
		return Err(node.error(format!("kernel has {kc} input channels, the input {c}")));
	}
	let window = Window::of(node, Some([kh, kw]))?;
	if window.kernel != [kh, kw] {
		return Err(node.error("kernel_shape does not match the kernel"));
	}
	let [oh, ow] = window.output(node, h, w)?;
	let out_scale = x.scale + b.frac_bits;
	let bias = match node.inputs.get(2).filter(|n| !n.is_empty()) {
		Some(_) => {
			let bias = const_input(node, values, 2)?;
			if bias.values.len() != m {
				return Err(node.error(format!("bias has {} values for {m} channels", bias.values.len())));
			}
			bias.values.iter().map(|&v| quantize(v, out_scale)).collect()
		},
		None => vec![0; m],
	};
	let mut data = Vec::with_capacity(m * oh * ow);
	for mo in 0..m {
		for oy in 0..oh {
			for ox in 0..ow {
				let taps = window.taps(oy, ox, h, w);
				let parts = (0..c).flat_map(|ci| {
					taps.iter().map(move |&(y, xx, ky, kx)| (ci, y, xx, ky, kx))
				});
				let terms: Vec<(i128, &Affine)> = parts
					.map(|(ci, y, xx, ky, kx)| {
						let weight = k.values[((mo * c + ci) * kh + ky) * kw + kx];
						(quantize(weight, b.frac_bits), &x.data[(ci * h + y) * w + xx])
					})
					.collect();
				data.push(Affine::combine(terms, bias[mo])?);
			}
		}
	}
	Ok(Value::Var(Tensor { shape: vec![1, m, oh, ow], data, scale: out_scale }))
}
