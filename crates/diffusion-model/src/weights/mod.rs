//! Weights by name: a module's parameter paths are its state-dict keys (`down_blocks.0.resnets.0
//! .norm1.weight`), read from and written to safetensors files in diffusers' layout.

mod directory;
mod forward_io;
mod named;
mod problem;
mod safetensors_file;

pub use directory::{
    current_attention_name, load_weights, save_directory, CONFIG_FILE, WEIGHTS_FILE,
};
pub use forward_io::{
    read_forward_inputs, read_forward_output, write_forward_output, ForwardInputs,
};
pub use named::{
    apply_named_tensors, first_non_finite, named_shapes, named_tensors, shape_problems,
    NamedTensor, NonFiniteTensor,
};
pub use problem::WeightProblem;
pub use safetensors_file::{read_safetensors, write_safetensors};
