//! Parity tool: one U-Net forward pass on the CPU, to compare with your own PyTorch outputs.
//!
//! ```text
//! cargo run --release -p diffusion-model --example forward -- MODEL_DIR IN.safetensors OUT.safetensors
//! ```
//! MODEL_DIR is a diffusers `UNet2DModel` directory (config.json +
//! diffusion_pytorch_model.safetensors). IN holds `sample` (f32, N×C×H×W), `timesteps` (i64 or
//! f32, length N) and, for class-conditional models, `class_labels` (i64, length N). OUT gets
//! `output` (f32).

use std::path::PathBuf;
use std::process::ExitCode;

use burn::backend::Flex;
use burn::tensor::{Int, Tensor, TensorData};
use diffusion_model::weights::{read_forward_inputs, write_forward_output, NamedTensor};
use diffusion_model::ModelResult;
use diffusion_model::{Network, UNet2DModel};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [model_dir, input, output] = args.as_slice() else {
        eprintln!("usage: forward MODEL_DIR IN.safetensors OUT.safetensors");
        return ExitCode::from(2);
    };
    match run(model_dir.into(), input.into(), output.into()) {
        Ok(shape) => {
            println!("wrote output {shape:?} to {output}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(model_dir: PathBuf, input: PathBuf, output: PathBuf) -> ModelResult<Vec<usize>> {
    let device = Default::default();
    let model = UNet2DModel::<Flex>::load_from(&model_dir, &device)?;
    let inputs = read_forward_inputs(&input)?;
    let sample = Tensor::<Flex, 4>::from_data(
        TensorData::new(inputs.sample.values, inputs.sample.shape),
        &device,
    );
    let steps = inputs.timesteps.len();
    let timesteps =
        Tensor::<Flex, 1>::from_data(TensorData::new(inputs.timesteps, [steps]), &device);
    let labels = inputs.class_labels.map(|l| {
        let n = l.len();
        Tensor::<Flex, 1, Int>::from_data(TensorData::new(l, [n]), &device)
    });
    let result = model.forward(sample, timesteps, labels)?;
    let shape = result.dims().to_vec();
    let values = result
        .into_data()
        .convert::<f32>()
        .into_vec::<f32>()
        .expect("f32 output");
    write_forward_output(
        &output,
        NamedTensor {
            shape: shape.clone(),
            values,
        },
    )?;
    Ok(shape)
}
